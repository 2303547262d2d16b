# Fails the configure step when a layer includes a header it may not use.
function(gomap_check_layering dir forbidden_regex)
  file(GLOB_RECURSE files "${dir}/*.h" "${dir}/*.cpp")
  foreach(f ${files})
    file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](${forbidden_regex})")
    if(lines)
      message(FATAL_ERROR "layering violation in ${f}: ${lines}")
    endif()
  endforeach()
endfunction()

# The layers (docs/internals.md): what each folder of the tree at `root` must not include.
function(gomap_check_all_layers root)
  gomap_check_layering(${root}/core "lldb/|Python\\.h|pybind11|gdb|commands/|dwarf/|plugin/")
  # Inside the core: the decoders of each implementation and the heap model sit below the
  # renderer, the reports and the triage (docs/internals.md).
  foreach(tier classic swiss heap)
    gomap_check_layering(${root}/core/${tier}
      "(core/|\\.\\./)?(value|value_sink|value_stream|check|triage|reach|map_args|map_lookup|iter_scan|header_report|map_state)\\.h")
  endforeach()
  gomap_check_layering(${root}/dwarf "lldb/|Python\\.h|pybind11|gdb|commands/|plugin/")
  gomap_check_layering(${root}/commands "lldb/|Python\\.h|pybind11|gdb|plugin/")
  gomap_check_layering(${root}/plugin "lldb_private|Python\\.h")
  gomap_check_layering(${root}/pretty_printers "lldb/|plugin/")
endfunction()

# cmake -DGOMAP_LAYERING_ROOT=DIR -P cmake/LayeringCheck.cmake checks a tree by itself
# (tests/integration/test_layering.py).
if(CMAKE_SCRIPT_MODE_FILE AND DEFINED GOMAP_LAYERING_ROOT)
  gomap_check_all_layers(${GOMAP_LAYERING_ROOT})
endif()
