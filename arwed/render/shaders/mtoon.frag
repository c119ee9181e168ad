#version 330 core
// MToon (VRMC_materials_mtoon 1.0): a lit and a shade colour mixed by a ramp whose position
// (shadingShift) and width (shadingToony) the author chose, ambient light on the lit colour, a
// parametric and a matcap rim, emission; with OUTLINE_PASS, the outline colour mixed with that lighting.
// Uniform names for the glTF parts are pyrender's; the MToon ones are set by arwed.render.mtoon.
// pyrender substitutes defines textually, so only plain #ifdef works here.

struct DirectionalLight {
    vec3 color;
    float intensity;
    vec3 direction;
};

struct Material {
    vec3 emissive_factor;
    vec4 base_color_factor;
#ifdef HAS_BASE_COLOR_TEX
    sampler2D base_color_texture;
#endif
#ifdef HAS_EMISSIVE_TEX
    sampler2D emissive_texture;
#endif
};

uniform Material material;
uniform DirectionalLight directional_lights[MAX_DIRECTIONAL_LIGHTS];
uniform int n_directional_lights;
uniform vec3 cam_pos;
uniform vec3 ambient_light;

uniform vec3 mtoon_shade_color;
uniform vec4 mtoon_shading;        // x: toony, y: shift, z: shift texture scale
uniform vec3 mtoon_rim_color;
uniform vec3 mtoon_rim;            // x: fresnel power, y: lift, z: lighting mix
uniform vec3 mtoon_matcap_factor;
uniform vec4 mtoon_outline_color;  // rgb: colour, a: lighting mix
uniform vec2 mtoon_alpha;          // x: 0 opaque, 1 mask, 2 blend; y: cutoff (with ALPHA_CUTOFF)
uniform float mtoon_double_sided;
#ifdef HAS_SHADE_TEX
uniform sampler2D mtoon_shade_texture;
#endif
#ifdef HAS_SHIFT_TEX
uniform sampler2D mtoon_shift_texture;
#endif
#ifdef HAS_MATCAP_TEX
uniform sampler2D mtoon_matcap_texture;
#endif
#ifdef HAS_RIM_TEX
uniform sampler2D mtoon_rim_texture;
#endif

in vec3 frag_position;
in vec3 frag_normal;
#ifdef TEXCOORD_0_LOC
in vec2 uv_0;
#endif

out vec4 frag_color;

// sRGB transfer functions without pow (a software renderer pays dearly for it): a cubic for decoding,
// three square roots for encoding; both within 0.5% of the exact curves.
vec3 srgb_to_linear(vec3 c) {
    return c * (c * (c * 0.305306011 + 0.682171111) + 0.012522878);
}

vec3 linear_to_srgb(vec3 c) {
    vec3 s1 = sqrt(c);
    vec3 s2 = sqrt(s1);
    vec3 s3 = sqrt(s2);
    return max(0.585122381 * s1 + 0.783140355 * s2 - 0.368262736 * s3, 0.0);
}

void main()
{
#ifdef TEXCOORD_0_LOC
    vec2 uv = uv_0;
#else
    vec2 uv = vec2(0.5);
#endif
    vec4 lit = material.base_color_factor;
#ifdef HAS_BASE_COLOR_TEX
    vec4 texel = texture(material.base_color_texture, uv);
    vec3 texel_linear = srgb_to_linear(texel.rgb);
    lit *= vec4(texel_linear, texel.a);
#endif
#ifdef ALPHA_CUTOFF
    if (lit.a < mtoon_alpha.y) discard;  // only cut-out materials discard: the others keep early depth tests
    lit.a = 1.0;
#else
    if (mtoon_alpha.x < 1.5) lit.a = 1.0;  // opaque; blend keeps its alpha
#endif

    vec3 n = normalize(frag_normal);
#ifdef OUTLINE_PASS
    n = -n;  // the hull's visible inside faces the camera
#else
    if (mtoon_double_sided > 0.5 && !gl_FrontFacing) n = -n;
#endif
    vec3 v = normalize(cam_pos - frag_position);

    vec3 shade = mtoon_shade_color;
#ifdef SHADE_TEX_IS_BASE
    shade *= texel_linear;  // the same image as the lit colour's (common): one sample, not two
#endif
#ifdef HAS_SHADE_TEX
    shade *= srgb_to_linear(texture(mtoon_shade_texture, uv).rgb);
#endif
    float shift = mtoon_shading.y;
#ifdef HAS_SHIFT_TEX
    shift += texture(mtoon_shift_texture, uv).r * mtoon_shading.z;
#endif
    float toony = mtoon_shading.x;

    vec3 color = vec3(0.0);
    vec3 light_sum = ambient_light;
    for (int i = 0; i < n_directional_lights; i++) {
        vec3 l = normalize(-directional_lights[i].direction);
        vec3 light_color = directional_lights[i].color * directional_lights[i].intensity;
        float shading = clamp((dot(n, l) + shift - (-1.0 + toony)) / max(2.0 - 2.0 * toony, 1e-4), 0.0, 1.0);
        color += light_color * mix(shade, lit.rgb, shading);
        light_sum += light_color;
    }
    color += ambient_light * lit.rgb;  // uniform ambient: giEqualization changes nothing

    vec3 rim = vec3(0.0);
#ifdef HAS_PARAMETRIC_RIM
    rim = mtoon_rim_color * pow(clamp(1.0 - dot(n, v) + mtoon_rim.y, 0.0, 1.0), max(mtoon_rim.x, 1e-5));
#endif
#ifdef HAS_MATCAP_TEX
    vec3 x = normalize(vec3(v.z, 0.0, -v.x));
    vec3 y = cross(v, x);
    vec2 matcap_uv = 0.5 + 0.495 * vec2(dot(x, n), dot(y, n));  // pyrender's textures are flipped in v
    rim += mtoon_matcap_factor * srgb_to_linear(texture(mtoon_matcap_texture, matcap_uv).rgb);
#endif
#ifdef HAS_ANY_RIM
#ifdef HAS_RIM_TEX
    rim *= srgb_to_linear(texture(mtoon_rim_texture, uv).rgb);
#endif
    color += rim * mix(vec3(1.0), light_sum, mtoon_rim.z);
#endif

    vec3 emissive = material.emissive_factor;
#ifdef HAS_EMISSIVE_TEX
    emissive *= srgb_to_linear(texture(material.emissive_texture, uv).rgb);
#endif
    color += emissive;
#ifdef OUTLINE_PASS
    color = mtoon_outline_color.rgb * mix(vec3(1.0), color, mtoon_outline_color.a);
#endif
    color = linear_to_srgb(clamp(color, 0.0, 1.0));
    frag_color = vec4(color * lit.a, lit.a);  // premultiplied: the compositor expects it
}
