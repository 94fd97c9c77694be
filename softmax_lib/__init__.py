"""softmax_lib: a small, tested reference implementation of softmax and its relatives.

Numeric functions (NumPy arrays in, NumPy arrays out; the class axis is the
last unless an argument says otherwise):

* :func:`softmax`, :func:`log_softmax`, :func:`logsumexp`, :func:`sigmoid`
* :func:`softmax_jacobian`, :func:`softmax_jvp`, :func:`softmax_vjp`,
  :func:`numerical_gradient`
* :func:`cross_entropy`, :func:`cross_entropy_grad`
* :func:`binary_cross_entropy_with_logits`,
  :func:`binary_cross_entropy_with_logits_grad` (independent sigmoids: multi-label)
* :func:`entropy`, :func:`kl_divergence`, :func:`huffman_code`,
  :func:`average_code_length`, :func:`kraft_sum` (the cross-entropy of two
  distributions is :func:`softmax_lib.information.cross_entropy`)
* :func:`l1_loss`, :func:`mse_loss`, :func:`huber_loss` and their gradients
  :func:`l1_loss_grad`, :func:`mse_loss_grad`, :func:`huber_loss_grad`
* :func:`online_softmax` and its (max, normaliser) states: :class:`NormalizerState`,
  :func:`state_of`, :func:`merge`, :func:`running_states`, :func:`softmax_from_state`,
  :func:`online_attention`
* :func:`set_num_threads`, :func:`get_num_threads`: how many threads the row
  functions share a large input among (the results do not depend on it)

The SymPy verification engine lives in :mod:`softmax_lib.symbolic`.
"""

from .activations import log_softmax, logsumexp, sigmoid, softmax
from .binary_losses import (
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
)
from .information import average_code_length, entropy, huffman_code, kl_divergence, kraft_sum
from .jacobians import numerical_gradient, softmax_jacobian, softmax_jvp, softmax_vjp
from .losses import cross_entropy, cross_entropy_grad
from .regression_losses import (
    huber_loss,
    huber_loss_grad,
    l1_loss,
    l1_loss_grad,
    mse_loss,
    mse_loss_grad,
)
from .online import (
    NormalizerState,
    merge,
    online_attention,
    online_softmax,
    running_states,
    softmax_from_state,
    state_of,
)
from .threads import get_num_threads, set_num_threads

__all__ = [
    "softmax",
    "log_softmax",
    "logsumexp",
    "sigmoid",
    "softmax_jacobian",
    "softmax_jvp",
    "softmax_vjp",
    "numerical_gradient",
    "cross_entropy",
    "cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "entropy",
    "kl_divergence",
    "huffman_code",
    "average_code_length",
    "kraft_sum",
    "l1_loss",
    "l1_loss_grad",
    "mse_loss",
    "mse_loss_grad",
    "huber_loss",
    "huber_loss_grad",
    "online_softmax",
    "NormalizerState",
    "state_of",
    "merge",
    "running_states",
    "softmax_from_state",
    "online_attention",
    "set_num_threads",
    "get_num_threads",
]
__version__ = "0.1.0"
