# mlvcd: the server binary (`mlvcd serve | migrate | admin ...`).
add_executable(mlvcd ${CMAKE_CURRENT_SOURCE_DIR}/main.cc)
target_compile_options(mlvcd PRIVATE ${MLVC_WARNINGS})
target_link_libraries(mlvcd PRIVATE mlvc_rpc mlvc_core mlvc_store_postgres mlvc_blob mlvc_blob_s3
  CLI11::CLI11 Threads::Threads)
