/* hepnn — everything: include this one header to use the whole library. */
#ifndef HEPNN_HEPNN_H
#define HEPNN_HEPNN_H

#include "hepnn/device.h"
#include "hepnn/graph.h"
#include "hepnn/ops.h"
#include "hepnn/rng.h"
#include "hepnn/status.h"
#include "hepnn/threads.h"

#endif
