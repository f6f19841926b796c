# ASan + UBSan for the `dev` preset and the sanitizer CI job. Applied globally so that
# every library and test links the same runtime.
if(MCP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
