/* Internal to the model and the training loop. */
#ifndef HN_MODEL_INTERNAL_H
#define HN_MODEL_INTERNAL_H

#include "hepnn/model.h"

/* hn_model_new_on whose graph also computes the training loss with the L1/L2
 * penalty of hn_penalty_add (l1·Σ|w| + ½·l2·Σw² over the weights) as graph
 * ops: the training loop's way to regularise on a device, where the host
 * cannot add the penalty's gradient itself. */
hn_status hn_model_new_penalised(hn_model **out, const hn_model_spec *spec, hn_device dev, double l1, double l2,
                                 hn_error *err);
/* The loss that training minimises: the loss, plus the penalty when built
 * with one. */
hn_tensor *hn_model_train_loss(hn_model *m);

#endif
