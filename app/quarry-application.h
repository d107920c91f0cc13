/* quarry-application.h */
#pragma once

#include <adwaita.h>

#include "quarry-thumb-pool.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_APPLICATION (quarry_application_get_type ())
G_DECLARE_FINAL_TYPE (QuarryApplication, quarry_application, QUARRY, APPLICATION,
                      AdwApplication)

QuarryApplication *quarry_application_new            (void);
/* Shared by all windows. */
QuarryThumbPool   *quarry_application_get_thumb_pool (QuarryApplication *self);
GSettings         *quarry_application_get_settings   (QuarryApplication *self);
/* Puts path first in the recent projects. */
void               quarry_application_add_recent     (QuarryApplication *self,
                                                      const char        *path);

G_END_DECLS
