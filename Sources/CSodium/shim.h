#ifndef IKED_CSODIUM_SHIM_H
#define IKED_CSODIUM_SHIM_H
#include <sodium.h>
#endif
