# add_bpf_skeleton(NAME <name> SOURCE <file.bpf.c> [DEPENDS <headers>...])
#
# Compiles a BPF C source with `clang -target bpf` and generates its libbpf
# skeleton with `bpftool gen skeleton` into the build tree, then exposes an
# INTERFACE target `<name>_skel` whose include directory holds `<name>.skel.h`.
#
# Why a function and an intermediate custom target per object: several C++
# targets may include the same skeleton, and without a single owning target
# a parallel build can run the same clang/bpftool command twice and race on
# its output file. One custom target per object makes the generation a
# single node in the build graph that everything else depends on.
#
# Knobs for the BPF programs are `const volatile` rodata set by the harness
# before load, not compile definitions, so every object is built once.

find_program(MAPSLA_BPF_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
find_program(MAPSLA_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(MAPSLA_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(MAPSLA_BPF_ARCH arm64)
else()
  set(MAPSLA_BPF_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

# Debian keeps <asm/types.h> under the multiarch directory, which clang's bpf
# target does not search by default.
execute_process(
  COMMAND ${CMAKE_C_COMPILER} -print-multiarch
  OUTPUT_VARIABLE MAPSLA_MULTIARCH
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT MAPSLA_MULTIARCH)
  set(MAPSLA_MULTIARCH "${CMAKE_SYSTEM_PROCESSOR}-linux-gnu")
endif()

function(add_bpf_skeleton)
  cmake_parse_arguments(ARG "" "NAME;SOURCE" "DEPENDS" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_SOURCE)
    message(FATAL_ERROR "add_bpf_skeleton: NAME and SOURCE are required")
  endif()
  get_filename_component(source "${ARG_SOURCE}" ABSOLUTE)
  get_filename_component(source_dir "${source}" DIRECTORY)
  set(out_dir "${CMAKE_BINARY_DIR}/bpf")
  set(object "${out_dir}/${ARG_NAME}.bpf.o")
  set(skeleton "${out_dir}/${ARG_NAME}.skel.h")

  add_custom_command(
    OUTPUT "${object}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${out_dir}"
    COMMAND ${MAPSLA_BPF_CLANG} -g -O2 -target bpf -mcpu=v3
            -D__TARGET_ARCH_${MAPSLA_BPF_ARCH}
            -I "${source_dir}" -I "/usr/include/${MAPSLA_MULTIARCH}"
            -Wall -Werror -Wno-unused-function
            -c "${source}" -o "${object}"
    DEPENDS "${source}" ${ARG_DEPENDS}
    COMMENT "BPF ${ARG_NAME}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT "${skeleton}"
    COMMAND ${MAPSLA_BPFTOOL} gen skeleton "${object}" name "${ARG_NAME}" > "${skeleton}"
    DEPENDS "${object}"
    COMMENT "BPF skeleton ${ARG_NAME}.skel.h"
    VERBATIM)
  add_custom_target(${ARG_NAME}_skel_gen DEPENDS "${skeleton}")

  add_library(${ARG_NAME}_skel INTERFACE)
  add_dependencies(${ARG_NAME}_skel ${ARG_NAME}_skel_gen)
  target_include_directories(${ARG_NAME}_skel INTERFACE "${out_dir}" "${source_dir}")
endfunction()
