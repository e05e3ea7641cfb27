# What `cmake --install` puts where (GNUInstallDirs): the command, the
# libraries, the header and its pkg-config file, the systemd units, the
# sysusers.d entry, the configuration and the documentation (the man pages:
# man/CMakeLists.txt). Included by the top-level CMakeLists.txt;
# docs/build.md shows the layout; tests/cli/install.sh installs into a
# scratch root and checks it.

set(CAGUARD_SYSTEMD_UNITDIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" CACHE PATH
    "Where the systemd units go (Debian 12: /lib/systemd/system)")
set(CAGUARD_SYSUSERSDIR "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d" CACHE PATH
    "Where the sysusers.d(5) entry of the caguard user goes")

install(TARGETS caguard RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET caguard-testlog)
  # The demo's CT logs: a helper of caguard demo, not a command of its own.
  install(TARGETS caguard-testlog RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/caguard)
endif()
if(TARGET caguard_shared)
  install(TARGETS caguard_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(TARGETS caguard_static ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/include/caguard/caguard.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/caguard)
  # libdir and includedir relative to ${prefix} when under it, so the file
  # stays right for a DESTDIR or a relocated tree.
  foreach(d LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${d}}")
      set(CAGUARD_PC_${d} "${CMAKE_INSTALL_${d}}")
    else()
      set(CAGUARD_PC_${d} "\${prefix}/${CMAKE_INSTALL_${d}}")
    endif()
  endforeach()
  configure_file(${CMAKE_CURRENT_LIST_DIR}/caguard.pc.in ${PROJECT_BINARY_DIR}/caguard.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/caguard.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

# The services, their user, their configuration.
if(CAGUARD_WITH_MONITOR)
  set(CAGUARD_BINDIR ${CMAKE_INSTALL_FULL_BINDIR})
  set(CAGUARD_CONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/caguard)
  file(GLOB CAGUARD_UNITS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.service.in)
  foreach(in ${CAGUARD_UNITS})
    get_filename_component(unit ${in} NAME)
    string(REGEX REPLACE "\\.in$" "" unit ${unit})
    # caguard-serve.service only where caguard serve is built.
    if(unit STREQUAL "caguard-serve.service" AND NOT CAGUARD_WITH_HTTP_SERVER)
      continue()
    endif()
    configure_file(${in} ${PROJECT_BINARY_DIR}/dist/${unit} @ONLY)
    install(FILES ${PROJECT_BINARY_DIR}/dist/${unit} DESTINATION ${CAGUARD_SYSTEMD_UNITDIR})
  endforeach()
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/caguard.sysusers DESTINATION ${CAGUARD_SYSUSERSDIR}
          RENAME caguard.conf)
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/caguard.conf
          DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/caguard)
endif()

# The CT log lists used when a command is given none (data/loglists/ORIGIN.md).
install(FILES ${PROJECT_SOURCE_DIR}/data/loglists/all_logs_list.json
              ${PROJECT_SOURCE_DIR}/data/loglists/all_logs_list.sig
              ${PROJECT_SOURCE_DIR}/data/loglists/log_list_pubkey.pem
              ${PROJECT_SOURCE_DIR}/data/loglists/current_log_list.json
              ${PROJECT_SOURCE_DIR}/data/loglists/ORIGIN.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/caguard/loglists)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(FILES ${PROJECT_SOURCE_DIR}/examples/gate.c ${PROJECT_SOURCE_DIR}/examples/monitor.ini
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
file(GLOB CAGUARD_DASHBOARDS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/examples/*.json)
if(CAGUARD_DASHBOARDS)
  install(FILES ${CAGUARD_DASHBOARDS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
endif()
