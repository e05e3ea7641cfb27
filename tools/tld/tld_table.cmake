# Writes the C table of data/tld/tlds.tsv (tools/tld/tld_import.py made it)
# for src/rules/tld.c: cmake -DIN=tlds.tsv -DOUT=tld_table.inc -P tld_table.cmake
# One row per TLD: { "label", delegated YYYYMMDD, removed YYYYMMDD or 0 },
# in the file's order (byte order, which the C lookup's binary search needs
# and unit.tld_test checks), and for each first character (0-9, a-z) the
# span of rows it starts, where the search begins.
if(NOT DEFINED IN OR NOT DEFINED OUT)
  message(FATAL_ERROR "tld_table.cmake: needs -DIN=... -DOUT=...")
endif()
file(STRINGS "${IN}" lines)
set(snapshot "")
set(rows "")
set(n 0)
foreach(line IN LISTS lines)
  if(line MATCHES "^# snapshot\t([0-9][0-9][0-9][0-9])-([0-9][0-9])-([0-9][0-9])$")
    set(snapshot "${CMAKE_MATCH_1}${CMAKE_MATCH_2}${CMAKE_MATCH_3}")
  elseif(line MATCHES "^#")
  elseif(line MATCHES "^([a-z0-9-]+)\t([0-9][0-9][0-9][0-9])-([0-9][0-9])-([0-9][0-9])\t(([0-9][0-9][0-9][0-9])-([0-9][0-9])-([0-9][0-9]))?$")
    set(removed 0)
    if(CMAKE_MATCH_5)
      set(removed "${CMAKE_MATCH_6}${CMAKE_MATCH_7}${CMAKE_MATCH_8}")
    endif()
    string(APPEND rows "    {\"${CMAKE_MATCH_1}\", ${CMAKE_MATCH_2}${CMAKE_MATCH_3}${CMAKE_MATCH_4}, ${removed}},\n")
    string(SUBSTRING "${CMAKE_MATCH_1}" 0 1 c)
    if(NOT DEFINED first_${c})
      set(first_${c} ${n})
    endif()
    math(EXPR n "${n} + 1")
    set(end_${c} ${n})
  else()
    message(FATAL_ERROR "${IN}: a line that is not tld<TAB>delegated<TAB>removed: ${line}")
  endif()
endforeach()
if(snapshot STREQUAL "" OR n LESS 1000)
  message(FATAL_ERROR "${IN}: no snapshot line or only ${n} TLDs")
endif()
# The rows of each first character, digits then letters: [first, end).
set(spans "")
foreach(c 0 1 2 3 4 5 6 7 8 9 a b c d e f g h i j k l m n o p q r s t u v w x y z)
  if(DEFINED first_${c})
    string(APPEND spans "    {${first_${c}}, ${end_${c}}},\n")
  else()
    string(APPEND spans "    {0, 0},\n")
  endif()
endforeach()
file(WRITE "${OUT}.tmp"
  "/* Generated from data/tld/tlds.tsv by tools/tld/tld_table.cmake; do not edit. */\n"
  "#define CG_TLD_SNAPSHOT ${snapshot}\n"
  "static const cg_tld_row cg_tld_rows[${n}] = {\n${rows}};\n"
  "static const uint16_t cg_tld_spans[36][2] = {\n${spans}};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
