# Regenerates the shim's jackd_pb2.py into WORK_DIR and fails if it differs from the committed copy.
file(MAKE_DIRECTORY ${WORK_DIR})
execute_process(COMMAND ${PROTOC} -I${SOURCE_DIR}/proto --python_out=${WORK_DIR} ${SOURCE_DIR}/proto/jackd.proto
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "protoc failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK_DIR}/jackd_pb2.py
                        ${SOURCE_DIR}/worker_shim/jackd_shim/jackd_pb2.py RESULT_VARIABLE differs)
if(NOT differs EQUAL 0)
  message(FATAL_ERROR "worker_shim/jackd_shim/jackd_pb2.py is stale: regenerate it with\n"
                      "  protoc -Iproto --python_out=worker_shim/jackd_shim proto/jackd.proto")
endif()
