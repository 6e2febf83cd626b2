/* Internal: the model file's pieces, reused by checkpoints. */
#ifndef HN_IO_MODEL_FILE_H
#define HN_IO_MODEL_FILE_H

#include "hepnn/model.h"
#include "io/bytes.h"

#define HN_MODEL_FORMAT_VERSION 2

/* Appends the model's records (spec, tensors, names, metadata) to b. */
hn_status hn_model_serialize(const hn_model *m, hn_wbuf *b, hn_error *err);
/* Builds a model from a payload of records; all or nothing. */
hn_status hn_model_deserialize(hn_model **out, const uint8_t *payload, size_t n, const char *path, hn_error *err);
#endif
