# Writes the C table of data/tld/tlds.tsv (tools/tld/tld_import.py made it)
# for src/rules/tld.c: cmake -DIN=tlds.tsv -DOUT=tld_table.inc -P tld_table.cmake
# One row per TLD: { "label", delegated YYYYMMDD, removed YYYYMMDD or 0 },
# in the file's order (byte order, which the C lookup's binary search needs
# and unit.tld_test checks), and for each pair of first characters the span
# of rows it starts, where the search begins: the first of 0-9 a-z, the
# second of - 0-9 a-z (a row in 0 to 35, a column in 0 to 36; a label has
# at least two characters). Most spans hold a few rows ("xn" the most).
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
    set(label "${CMAKE_MATCH_1}")
    string(APPEND rows "    {\"${label}\", ${CMAKE_MATCH_2}${CMAKE_MATCH_3}${CMAKE_MATCH_4}, ${removed}},\n")
    string(LENGTH "${label}" len)
    string(SUBSTRING "${label}" 0 1 c1)
    string(FIND "0123456789abcdefghijklmnopqrstuvwxyz" "${c1}" i1)
    if(len LESS 2 OR i1 LESS 0)
      message(FATAL_ERROR "${IN}: ${label}: a TLD starts with a letter or digit and has two characters or more")
    endif()
    string(SUBSTRING "${label}" 1 1 c2)
    string(FIND "-0123456789abcdefghijklmnopqrstuvwxyz" "${c2}" i2)
    math(EXPR key "${i1} * 37 + ${i2}")
    if(NOT DEFINED first_${key})
      set(first_${key} ${n})
    endif()
    math(EXPR n "${n} + 1")
    set(end_${key} ${n})
  else()
    message(FATAL_ERROR "${IN}: a line that is not tld<TAB>delegated<TAB>removed: ${line}")
  endif()
endforeach()
if(snapshot STREQUAL "" OR n LESS 1000)
  message(FATAL_ERROR "${IN}: no snapshot line or only ${n} TLDs")
endif()
# The rows of each pair of first characters, in byte order: [first, end).
set(spans "")
foreach(key RANGE 1331)
  if(DEFINED first_${key})
    string(APPEND spans "    {${first_${key}}, ${end_${key}}},\n")
  else()
    string(APPEND spans "    {0, 0},\n")
  endif()
endforeach()
file(WRITE "${OUT}.tmp"
  "/* Generated from data/tld/tlds.tsv by tools/tld/tld_table.cmake; do not edit. */\n"
  "#define CG_TLD_SNAPSHOT ${snapshot}\n"
  "static const cg_tld_row cg_tld_rows[${n}] = {\n${rows}};\n"
  "static const uint16_t cg_tld_spans[36 * 37][2] = {\n${spans}};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
