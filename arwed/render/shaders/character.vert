#version 330 core
// Vertex shader for characters (replaces pyrender's mesh.vert). Our model matrices are rigid
// (rotation + translation), so normals transform by the model matrix itself: no per-vertex matrix
// inverse, which a software renderer pays for on every one of a character's vertices.

layout(location = 0) in vec3 position;
#ifdef NORMAL_LOC
layout(location = NORMAL_LOC) in vec3 normal;
#endif
#ifdef TEXCOORD_0_LOC
layout(location = TEXCOORD_0_LOC) in vec2 texcoord_0;
#endif
#ifdef COLOR_0_LOC
layout(location = COLOR_0_LOC) in vec4 color_0;
#endif
layout(location = INST_M_LOC) in mat4 inst_m;

uniform mat4 M;
uniform mat4 V;
uniform mat4 P;

out vec3 frag_position;
#ifdef NORMAL_LOC
out vec3 frag_normal;
#endif
#ifdef TEXCOORD_0_LOC
out vec2 uv_0;
#endif
#ifdef COLOR_0_LOC
out vec4 color_multiplier;
#endif

void main()
{
    mat4 model = M * inst_m;
    vec4 world = model * vec4(position, 1.0);
    gl_Position = P * V * world;
    frag_position = world.xyz;
#ifdef NORMAL_LOC
    frag_normal = normalize(mat3(model) * normal);
#endif
#ifdef TEXCOORD_0_LOC
    uv_0 = texcoord_0;
#endif
#ifdef COLOR_0_LOC
    color_multiplier = color_0;
#endif
}
