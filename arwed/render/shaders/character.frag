#version 330 core
// A light, toon-leaning shader for characters (replaces pyrender's PBR mesh.frag).
// A software renderer pays per fragment, and avatars (VRM/MToon) are drawn toon-style anyway:
// base colour x (ambient + soft-wrapped directional light) + a faint rim, then emission.
// Uniform names are pyrender's, so its renderer sets them unchanged. pyrender substitutes its defines
// textually, so only plain #ifdef works here (not defined(...)).

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

in vec3 frag_position;
#ifdef NORMAL_LOC
in vec3 frag_normal;
#endif
#ifdef TEXCOORD_0_LOC
in vec2 uv_0;
#endif
#ifdef COLOR_0_LOC
in vec4 color_multiplier;
#endif

out vec4 frag_color;

vec3 srgb_to_linear(vec3 srgb) {
    return pow(srgb, vec3(2.2));
}

void main()
{
    vec4 base_color = material.base_color_factor;
#ifdef HAS_BASE_COLOR_TEX
#ifdef TEXCOORD_0_LOC
    vec4 texel = texture(material.base_color_texture, uv_0);
    base_color *= vec4(srgb_to_linear(texel.rgb), texel.a);
#endif
#endif
#ifdef COLOR_0_LOC
    base_color *= color_multiplier;
#endif

#ifdef NORMAL_LOC
    vec3 n = normalize(frag_normal);
#else
    vec3 n = normalize(cam_pos - frag_position);
#endif
    vec3 v = normalize(cam_pos - frag_position);
    if (dot(n, v) < 0.0) {
        n = -n;  // the back of a double-sided surface
    }

    vec3 light = ambient_light;
    for (int i = 0; i < n_directional_lights; i++) {
        vec3 l = normalize(-directional_lights[i].direction);
        float wrapped = clamp(dot(n, l) * 0.6 + 0.4, 0.0, 1.0);  // soft terminator, toon-like
        light += directional_lights[i].color * directional_lights[i].intensity * wrapped;
    }
    float rim = pow(1.0 - clamp(dot(n, v), 0.0, 1.0), 3.0) * 0.25;
    vec3 color = base_color.rgb * (light + vec3(rim));

    vec3 emissive = material.emissive_factor;
#ifdef HAS_EMISSIVE_TEX
#ifdef TEXCOORD_0_LOC
    emissive *= srgb_to_linear(texture(material.emissive_texture, uv_0).rgb);
#endif
#endif
    color += emissive;

    frag_color = clamp(vec4(pow(color, vec3(1.0 / 2.2)), base_color.a), 0.0, 1.0);
}
