#version 330 core
// MToon vertex shader (VRMC_materials_mtoon 1.0). With OUTLINE_PASS defined it draws the outline pass: the
// skinned surface pushed out along its normals (an inverted hull, drawn with front faces culled), the
// width in metres (world) or as a share of the screen height (screen), times the width texture's G.
// Model matrices are rigid, so normals transform by the model matrix itself.

layout(location = 0) in vec3 position;
#ifdef NORMAL_LOC
layout(location = NORMAL_LOC) in vec3 normal;
#endif
#ifdef TEXCOORD_0_LOC
layout(location = TEXCOORD_0_LOC) in vec2 texcoord_0;
#endif
layout(location = INST_M_LOC) in mat4 inst_m;

uniform mat4 M;
uniform mat4 V;
uniform mat4 P;
#ifdef OUTLINE_PASS
uniform vec2 mtoon_outline_width;  // x: width factor, y: 1 for screen coordinates, 0 for world
#ifdef HAS_WIDTH_TEX
uniform sampler2D mtoon_outline_width_texture;
#endif
#endif

out vec3 frag_position;
out vec3 frag_normal;
#ifdef TEXCOORD_0_LOC
out vec2 uv_0;
#endif

void main()
{
    mat4 model = M * inst_m;
    vec4 world = model * vec4(position, 1.0);
#ifdef NORMAL_LOC
    vec3 n = normalize(mat3(model) * normal);
#else
    vec3 n = vec3(0.0, 0.0, 1.0);
#endif
#ifdef TEXCOORD_0_LOC
    uv_0 = texcoord_0;
#endif
#ifdef OUTLINE_PASS
    float width = mtoon_outline_width.x;
#ifdef HAS_WIDTH_TEX
#ifdef TEXCOORD_0_LOC
    width *= textureLod(mtoon_outline_width_texture, texcoord_0, 0.0).g;
#endif
#endif
    if (mtoon_outline_width.y > 0.5) {
        // screen coordinates: a constant share of the screen height at any distance
        float depth = -(V * world).z;
        width *= depth / P[1][1];
    }
    world.xyz += n * width;
#endif
    gl_Position = P * V * world;
#ifdef OUTLINE_PASS
    gl_Position.z += 1e-6 * gl_Position.w;
#endif
    frag_position = world.xyz;
    frag_normal = n;
}
