# Writes a text file into a C++ header as one raw string literal, so a template can live in its own
# readable file (engine/html_report_template.html) and still be part of the binary.
#   cmake -DINPUT=file -DOUTPUT=header -DNAME=kConstant -P embed_text.cmake
set(delimiter "jackd_embed")
file(READ "${INPUT}" text)
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string's end marker )${delimiter}\"")
endif()
file(WRITE "${OUTPUT}.tmp"
     "// Generated from ${INPUT} by engine/embed_text.cmake; edit that file instead.\n"
     "#pragma once\n"
     "inline constexpr char ${NAME}[] = R\"${delimiter}(${text})${delimiter}\";\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
