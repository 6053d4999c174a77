# Writes a C++ file holding every sync_service/migrations/V###__name.sql, so the binary carries its schema.
# Inputs: MIGRATIONS_DIR, OUTPUT.
file(GLOB files "${MIGRATIONS_DIR}/V*__*.sql")
list(SORT files)
set(body "")
foreach(f ${files})
  get_filename_component(fname "${f}" NAME_WE)
  string(REGEX MATCH "^V([0-9]+)__(.+)$" _ "${fname}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "migration file name must be V<version>__<name>.sql: ${f}")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  file(READ "${f}" sql)
  string(APPEND body "      {${version}, \"${CMAKE_MATCH_2}\", R\"syncd_sql(${sql})syncd_sql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from sync_service/migrations by embed_migrations.cmake. Do not edit.
#include \"sync_service/store/migrations.h\"

namespace syncd::store {

const std::vector<Migration>& EmbeddedMigrations() {
  static const std::vector<Migration>* migrations = new std::vector<Migration>{
${body}  };
  return *migrations;
}

}  // namespace syncd::store
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
