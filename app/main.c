/* main.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "quarry-application.h"
#include "quarry-bench.h"
#include "quarry-cli.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(QuarryApplication) app = NULL;

  quarry_bench_init ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc > 1 && quarry_cli_is_command (argv[1]))
    return quarry_cli_run (argc, argv);

  app = quarry_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
