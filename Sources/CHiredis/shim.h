#ifndef AUDITMATE_CHIREDIS_SHIM_H
#define AUDITMATE_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
