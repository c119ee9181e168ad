// Renders one model with three-vrm from the views and lights in /scene.json and posts each picture
// back to the Python tool that serves this page (tools/mtoon/compare.py). Nothing here is part of arwed.
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { VRMLoaderPlugin } from '@pixiv/three-vrm';

async function post(path, body) {
  await fetch(path, { method: 'POST', body });
}

function linearColour(rgb) {
  return new THREE.Color().setRGB(rgb[0], rgb[1], rgb[2], THREE.LinearSRGBColorSpace);
}

async function main() {
  const config = await (await fetch('/scene.json')).json();
  const renderer = new THREE.WebGLRenderer({ antialias: true, alpha: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(1);
  renderer.setSize(config.width, config.height);
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  renderer.setClearColor(0x000000, 0);
  document.body.appendChild(renderer.domElement);

  const loader = new GLTFLoader();
  loader.register((parser) => new VRMLoaderPlugin(parser));
  const gltf = await loader.loadAsync('/model');
  const root = gltf.scene;
  root.matrixAutoUpdate = false;
  root.matrix.fromArray(config.root);  // model space -> arwed's character space (column-major)
  root.matrixWorldNeedsUpdate = true;
  const scene = new THREE.Scene();
  scene.add(root);
  root.traverse((o) => { o.frustumCulled = false; });

  // light intensities: three's Lambert divides by pi, arwed's light values are irradiance on white
  const ambient = new THREE.AmbientLight(linearColour(config.ambient), Math.PI);
  scene.add(ambient);
  const lights = config.lights.map(() => {
    const light = new THREE.DirectionalLight(0xffffff, 0);
    scene.add(light);
    scene.add(light.target);
    return light;
  });

  for (let i = 0; i < config.views.length; i++) {
    const view = config.views[i];
    const camera = new THREE.Camera();
    camera.matrixAutoUpdate = false;
    camera.matrix.fromArray(view.camera_to_world);
    camera.matrixWorldNeedsUpdate = true;
    camera.updateMatrixWorld(true);
    camera.projectionMatrix.fromArray(view.projection);
    camera.projectionMatrixInverse.copy(camera.projectionMatrix).invert();
    view.lights.forEach((l, k) => {
      const light = lights[k];
      const peak = Math.max(l.rgb[0], l.rgb[1], l.rgb[2], 1e-9);
      light.color = linearColour(l.rgb.map((c) => c / peak));
      light.intensity = Math.PI * peak;
      light.position.set(l.towards_world[0] * 10, l.towards_world[1] * 10, l.towards_world[2] * 10);
      light.target.position.set(0, 0, 0);
      light.updateMatrixWorld(true);
      light.target.updateMatrixWorld(true);
    });
    renderer.render(scene, camera);
    await post(`/result/${i}`, renderer.domElement.toDataURL('image/png'));
  }
  await post('/done', 'ok');
}

main().catch(async (error) => {
  await post('/error', String(error && error.stack ? error.stack : error));
});
