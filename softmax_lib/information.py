r"""Entropy, cross-entropy and Kullback-Leibler divergence of distributions, and Huffman codes.

The functions here take *probability distributions*, not logits: every slice
along the last axis must be non-negative and sum to 1. (The loss that takes
logits and class labels is :func:`softmax_lib.cross_entropy`;
:func:`softmax_lib.information.cross_entropy` is the information-theoretic
quantity :math:`H(p, q)` of two distributions.)

Conventions shared by every function here:

* the distribution runs along the last axis; any leading shape is allowed,
  and the result has shape ``p.shape[:-1]`` (a NumPy scalar for 1-D input);
* float16, float32 and float64 inputs keep their dtype (float16 is computed
  in float32 and rounded once at the end); bool and integer inputs become
  float64; two inputs of different dtypes give the promoted dtype;
* inputs are never modified;
* ``0 log 0 = 0``: outcomes of probability 0 contribute nothing, as the limit
  :math:`x \log x \to 0` says;
* ``base=None`` gives nats (natural logarithm), ``base=2`` bits; any positive
  finite ``base`` other than 1 is accepted;
* no silent repair: a negative entry, NaN or infinity, or a slice whose sum is
  further than :math:`\sqrt{\varepsilon}` from 1 (:math:`\varepsilon` the
  machine epsilon of the input's dtype: about 1.5e-8 for float64, 3.5e-4
  for float32 and 0.031 for float16) raises ``ValueError`` naming the
  argument. The tolerance accepts anything rounded or summed in the input's
  precision and rejects counts, percentages and vectors with an entry
  missing. There is no renormalisation. (It is the dtype of the array
  passed that counts: a float32 distribution converted to float64 is judged
  by the float64 tolerance, so divide it by its sum after converting.)

References
----------
Shannon, C. E. (1948). A mathematical theory of communication. *Bell System
Technical Journal*, 27(3), 379-423 and 27(4), 623-656.

Cover, T. M. and Thomas, J. A. (2006). *Elements of Information Theory*
(2nd ed.). Wiley.
"""

import heapq
import math

import numpy as np

from ._checks import compute_dtype, probability_array, real_number, same_shape

__all__ = [
    "entropy",
    "cross_entropy",
    "kl_divergence",
    "huffman_code",
    "average_code_length",
    "kraft_sum",
]


# ---------------------------------------------------------------------------
# logarithms in a chosen base
# ---------------------------------------------------------------------------


def _log_base(base):
    """Validate ``base``; return it as a float (``None`` stays ``None``: natural log)."""
    if base is None:
        return None
    b = real_number(base, "base")
    if not (math.isfinite(b) and b > 0 and b != 1):
        raise ValueError(f"base must be a positive finite number other than 1, got {base!r}")
    return b


def _logarithm(base):
    """Validate ``base``; return ``(elementwise log, divisor applied to the sum)``.

    Bases 2 and 10 use ``log2`` and ``log10`` directly, so that, for example,
    a dyadic distribution has an entropy in bits that is exact. Other bases
    take natural logarithms and divide the sum once by ``ln(base)``.
    """
    b = _log_base(base)
    if b is None:
        return np.log, 1.0
    if b == 2:
        return np.log2, 1.0
    if b == 10:
        return np.log10, 1.0
    return np.log, math.log(b)


def _log_where_positive(x, log):
    """``log(x)`` where ``x > 0`` and 0 elsewhere, without a divide-by-zero warning."""
    out = np.zeros_like(x)
    log(x, out=out, where=x > 0)
    return out


def _result(total, divisor, dtype):
    """Divide the row sums by ``divisor``; return them in ``dtype``.

    ``+ 0.0`` turns the ``-0.0`` of a certain outcome (``-1 * log 1``) or of a
    base below 1 into ``0.0``; ``[()]`` makes a 0-d result a NumPy scalar.
    """
    if divisor != 1.0:
        total = total / divisor
    return np.asarray(total + 0.0, dtype=dtype)[()]


def _two_distributions(p, q):
    """Validate ``p`` and ``q``; return them and the output dtype."""
    p_arr = probability_array(p, "p")
    q_arr = probability_array(q, "q")
    same_shape(p_arr, q_arr, "p", "q")
    return p_arr, q_arr, np.result_type(p_arr.dtype, q_arr.dtype)


# ---------------------------------------------------------------------------
# entropy, cross-entropy, Kullback-Leibler divergence
# ---------------------------------------------------------------------------


def entropy(p, *, base=None):
    r"""Shannon entropy of the distributions in ``p`` (along the last axis).

    .. math::

        H(p) = -\sum_{i=1}^{K} p_i \log_b p_i, \qquad 0 \log 0 = 0.

    Parameters
    ----------
    p : array_like
        Probabilities, any shape with at least one dimension; each slice
        along the last axis is one distribution (non-negative, summing to 1
        within :math:`\sqrt{\varepsilon}` of its dtype).
    base : float, optional
        Base of the logarithm: ``None`` (default) for nats, ``2`` for bits.
        Any positive finite number other than 1.

    Returns
    -------
    numpy.ndarray or numpy scalar
        Entropies, of shape ``p.shape[:-1]``: a NumPy scalar for 1-D ``p``.
        Floating dtypes are kept; other inputs give float64.

    Raises
    ------
    TypeError
        If ``p`` is not real numeric data, or ``base`` is not a real number.
    ValueError
        If ``p`` is a scalar, has an empty last axis, contains NaN, an
        infinity or a negative entry, or has a slice that does not sum to 1;
        if ``base`` is not positive and finite, or equals 1.

    See Also
    --------
    softmax_lib.information.cross_entropy, kl_divergence, huffman_code

    Notes
    -----
    Every term :math:`-p_i \log p_i` is non-negative (for ``base > 1``), so
    the sum has no cancellation and the result is accurate to a few units in
    the last place. Terms with :math:`p_i = 0` are skipped, which is the
    limit :math:`\lim_{x \to 0^+} x \log x = 0`.

    :math:`H(p)` lies between 0 (a certain outcome) and :math:`\log_b K`
    (the uniform distribution). In bits it is the least average number of
    yes/no questions, or of bits per symbol, with which outcomes drawn from
    ``p`` can be described (Shannon's source coding theorem; see
    :func:`huffman_code`).

    With ``base=2`` the logarithms are taken by ``log2``, so dyadic
    probabilities (powers of 1/2) give exact results.

    References
    ----------
    Shannon, C. E. (1948). A mathematical theory of communication. *Bell
    System Technical Journal*, 27, 379-423 and 623-656.

    Cover, T. M. and Thomas, J. A. (2006). *Elements of Information Theory*
    (2nd ed.), chapter 2. Wiley.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.information import entropy
    >>> print(entropy([0.5, 0.25, 0.25], base=2))
    1.5
    >>> print(entropy([0.25, 0.25, 0.25, 0.25], base=2))   # log2(4)
    2.0
    >>> print(entropy([1.0, 0.0]))                          # certain: 0 log 0 = 0
    0.0
    >>> entropy([[0.5, 0.5], [0.9, 0.1]], base=2).round(6)
    array([1.      , 0.468996])
    """
    log, divisor = _logarithm(base)
    arr = probability_array(p, "p")
    x = arr.astype(compute_dtype(arr.dtype))
    total = -np.sum(x * _log_where_positive(x, log), axis=-1)
    return _result(total, divisor, arr.dtype)


def cross_entropy(p, q, *, base=None):
    r"""Cross-entropy :math:`H(p, q)` of two distributions (along the last axis).

    .. math::

        H(p, q) = -\sum_{i=1}^{K} p_i \log_b q_i
        = H(p) + D_{\mathrm{KL}}(p \,\|\, q),

    with :math:`0 \log q = 0` for every :math:`q` (including 0) and
    :math:`-p \log 0 = +\infty` for :math:`p > 0`.

    This is the quantity of information theory: the average code length per
    symbol when symbols drawn from ``p`` are coded with a code built for
    ``q``. The training loss that takes logits and class labels is
    :func:`softmax_lib.cross_entropy`.

    Parameters
    ----------
    p : array_like
        The true distribution(s), any shape with at least one dimension;
        each slice along the last axis is one distribution.
    q : array_like
        The model distribution(s), of the same shape as ``p``.
    base : float, optional
        Base of the logarithm: ``None`` (default) for nats, ``2`` for bits.

    Returns
    -------
    numpy.ndarray or numpy scalar
        Cross-entropies, of shape ``p.shape[:-1]``; ``inf`` where some
        :math:`q_i = 0 < p_i`. The dtype is that of ``p`` and ``q`` promoted
        together (floating dtypes kept, others float64).

    Raises
    ------
    TypeError
        If ``p`` or ``q`` is not real numeric data, or ``base`` is not a real
        number.
    ValueError
        If ``p`` or ``q`` is not an array of distributions (see
        :func:`~softmax_lib.entropy`), if their shapes differ, or if ``base`` is invalid.

    See Also
    --------
    softmax_lib.entropy, softmax_lib.kl_divergence

    Notes
    -----
    Gibbs' inequality: :math:`H(p, q) \ge H(p)`, with equality only when
    :math:`q = p`; the gap is :math:`D_{\mathrm{KL}}(p \,\|\, q)`. The terms
    :math:`-p_i \log q_i` are non-negative, so the sum does not cancel.

    References
    ----------
    Cover, T. M. and Thomas, J. A. (2006). *Elements of Information Theory*
    (2nd ed.), chapters 2 and 5. Wiley.

    Examples
    --------
    >>> from softmax_lib.information import cross_entropy, entropy
    >>> p, q = [0.5, 0.25, 0.25], [0.25, 0.25, 0.5]
    >>> print(cross_entropy(p, q, base=2))     # > entropy(p, base=2) = 1.5
    1.75
    >>> print(cross_entropy(p, p, base=2))
    1.5
    >>> print(cross_entropy([0.5, 0.5], [1.0, 0.0]))
    inf
    >>> print(cross_entropy([1.0, 0.0], [1.0, 0.0]))   # 0 log 0 counts as 0
    0.0
    """
    log, divisor = _logarithm(base)
    p_arr, q_arr, dtype = _two_distributions(p, q)
    cdtype = compute_dtype(dtype)
    x = p_arr.astype(cdtype)
    y = q_arr.astype(cdtype)
    terms = -(x * _log_where_positive(y, log))
    terms[(x > 0) & (y == 0)] = np.inf
    return _result(np.sum(terms, axis=-1), divisor, dtype)


# Coefficients 1/(2k+3) of atanh(s) - s = s**3 * sum_k s**(2k) / (2k + 3). On
# |s| <= 1/2 the 27 terms kept leave a relative truncation error below 2e-17.
_ATANH_TAIL_COEFFS = tuple(1.0 / (2 * k + 3) for k in range(27))[::-1]


def _log_ratio(a, b):
    """``log(a / b)`` for positive ``a`` and ``b``, even where ``a / b`` over- or underflows."""
    with np.errstate(over="ignore", under="ignore"):
        ratio = a / b
    normal = np.isfinite(ratio) & (ratio >= np.finfo(ratio.dtype).tiny)
    # log(a) - log(b) would lose accuracy to cancellation; it is needed only
    # where the quotient itself is not a normal number.
    out = np.log(np.where(normal, ratio, 1.0))
    if not normal.all():
        out = np.where(normal, out, np.log(a) - np.log(b))
    return out


def _kl_terms(p, q):
    r"""Non-negative terms :math:`p \log(p/q) - p + q` in nats (``inf`` where ``q = 0 < p``)."""
    terms = q.copy()  # the term where p = 0
    terms[(p > 0) & (q == 0)] = np.inf
    both = (p > 0) & (q > 0)
    a, b = p[both], q[both]
    # With s = (a - b)/(a + b), a = m(1 + s) and b = m(1 - s) for m = (a + b)/2,
    # and log(a/b) = 2 atanh(s), so the term is (a + b) h(s) with
    #     h(s) = (1 + s) atanh(s) - s = s**2 + (1 + s) (atanh(s) - s).
    # a - b is exact when a and b are within a factor 2 (Sterbenz), so s is
    # accurate, and the series for atanh(s) - s avoids the cancellation that
    # makes a*log(a/b) - (a - b) lose every digit as a -> b.
    s = (a - b) / (a + b)
    near = np.abs(s) <= 0.5
    sn = s[near]
    z = sn * sn
    tail = np.zeros_like(z)
    for c in _ATANH_TAIL_COEFFS:
        tail = tail * z + c
    vals = np.empty_like(a)
    vals[near] = (a[near] + b[near]) * (z + (1 + sn) * (sn * z * tail))
    # Away from a = b (ratio outside [1/3, 3]) the direct form cancels by at
    # most a factor of about 3.
    af, bf = a[~near], b[~near]
    vals[~near] = af * _log_ratio(af, bf) - (af - bf)
    terms[both] = vals
    return terms


def kl_divergence(p, q, *, base=None):
    r"""Kullback-Leibler divergence :math:`D_{\mathrm{KL}}(p \,\|\, q)` (along the last axis).

    .. math::

        D_{\mathrm{KL}}(p \,\|\, q) = \sum_{i=1}^{K} p_i \log_b \frac{p_i}{q_i}
        = \sum_{i=1}^{K} \Bigl(p_i \log_b \frac{p_i}{q_i} - \frac{p_i - q_i}{\ln b}\Bigr),

    with terms 0 where :math:`p_i = 0` and :math:`+\infty` where
    :math:`q_i = 0 < p_i`.

    Parameters
    ----------
    p : array_like
        The true distribution(s), any shape with at least one dimension;
        each slice along the last axis is one distribution.
    q : array_like
        The model distribution(s), of the same shape as ``p``.
    base : float, optional
        Base of the logarithm: ``None`` (default) for nats, ``2`` for bits.

    Returns
    -------
    numpy.ndarray or numpy scalar
        Divergences, of shape ``p.shape[:-1]``; ``inf`` where some
        :math:`q_i = 0 < p_i`. For ``base > 1`` every value is :math:`\ge 0`,
        and exactly 0 where ``q`` equals ``p``. The dtype is that of ``p`` and
        ``q`` promoted together (floating dtypes kept, others float64).

    Raises
    ------
    TypeError
        If ``p`` or ``q`` is not real numeric data, or ``base`` is not a real
        number.
    ValueError
        If ``p`` or ``q`` is not an array of distributions (see
        :func:`entropy`), if their shapes differ, or if ``base`` is invalid.

    See Also
    --------
    entropy, softmax_lib.information.cross_entropy

    Notes
    -----
    The divergence equals :math:`H(p, q) - H(p)`, but computing it that way
    subtracts two nearly equal numbers when :math:`q \approx p` and can
    even return a negative value. Instead each term of the second form
    above is summed. The added :math:`-(p_i - q_i)` terms sum to zero for two
    distributions (both sum to 1), and they make every term
    :math:`p_i \log(p_i/q_i) - p_i + q_i \ge 0` (since
    :math:`\log x \le x - 1`), so the sum has no cancellation: the result is
    never negative, is 0 exactly when ``q`` equals ``p``, and is accurate to
    a few units in the last place even for :math:`q \approx p`.

    Each term is evaluated without cancellation too. Writing
    :math:`s = (p_i - q_i)/(p_i + q_i)`, so that
    :math:`\log(p_i/q_i) = 2 \operatorname{artanh} s`, the term is
    :math:`(p_i + q_i)\,[s^2 + (1 + s)(\operatorname{artanh} s - s)]`, with
    :math:`\operatorname{artanh} s - s = s^3/3 + s^5/5 + \dots` summed as a
    series for :math:`|s| \le 1/2`; further out the direct form is used.

    For inputs that sum to 1 only within the tolerance, the result is the
    generalised divergence :math:`\sum (p_i \log(p_i/q_i) - p_i + q_i)` of
    the two vectors, which differs from :math:`\sum p_i \log(p_i/q_i)` by
    :math:`(\sum q_i - \sum p_i)/\ln b`.

    The divergence is not symmetric: in general
    :math:`D_{\mathrm{KL}}(p \,\|\, q) \ne D_{\mathrm{KL}}(q \,\|\, p)`.

    References
    ----------
    Kullback, S. and Leibler, R. A. (1951). On information and sufficiency.
    *Annals of Mathematical Statistics*, 22(1), 79-86.

    Cover, T. M. and Thomas, J. A. (2006). *Elements of Information Theory*
    (2nd ed.), chapter 2. Wiley.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.information import kl_divergence
    >>> p, q = [0.5, 0.25, 0.25], [0.25, 0.25, 0.5]
    >>> print(kl_divergence(p, q, base=2))      # 1.75 - 1.5 bits
    0.25
    >>> print(kl_divergence(p, p))
    0.0
    >>> round(float(kl_divergence([0.5, 0.5], [0.9, 0.1])), 6)
    0.510826
    >>> round(float(kl_divergence([0.9, 0.1], [0.5, 0.5])), 6)   # not symmetric
    0.368064
    >>> print(kl_divergence([0.5, 0.5], [1.0, 0.0]))
    inf
    """
    b = _log_base(base)
    divisor = 1.0 if b is None else math.log(b)  # the terms are in nats
    p_arr, q_arr, dtype = _two_distributions(p, q)
    cdtype = compute_dtype(dtype)
    terms = _kl_terms(p_arr.astype(cdtype), q_arr.astype(cdtype))
    return _result(np.sum(terms, axis=-1), divisor, dtype)


# ---------------------------------------------------------------------------
# prefix codes
# ---------------------------------------------------------------------------


def _one_distribution(p):
    """Validate a single distribution ``p`` (1-D)."""
    arr = probability_array(p, "p")
    if arr.ndim != 1:
        raise ValueError(f"p must be one-dimensional (one distribution), got shape {arr.shape}")
    return arr


def _codeword_lengths(code):
    """Validate ``code`` (bit strings); return the list of their lengths."""
    if isinstance(code, (str, bytes)):
        raise TypeError(
            f"code must be a sequence of bit strings such as ['0', '10', '11'], got {code!r}"
        )
    try:
        words = list(code)
    except TypeError:
        raise TypeError(
            f"code must be a sequence of bit strings such as ['0', '10', '11'], got {code!r}"
        ) from None
    for i, word in enumerate(words):
        if not isinstance(word, str):
            raise TypeError(f"code[{i}] must be a string of '0' and '1', got {word!r}")
        if word.strip("01"):
            raise ValueError(
                f"code[{i}] must contain only the characters '0' and '1', got {word!r}"
            )
    return [len(word) for word in words]


def huffman_code(p):
    r"""An optimal binary prefix code for the probabilities ``p`` (Huffman's algorithm).

    Parameters
    ----------
    p : array_like
        One distribution (1-D, non-negative, summing to 1 within
        :math:`\sqrt{\varepsilon}` of its dtype). Symbols of probability 0
        are allowed and receive codewords too.

    Returns
    -------
    list of str
        ``code[i]`` is the codeword of symbol ``i``, a string of ``'0'`` and
        ``'1'``. No codeword is a prefix of another, and the average length
        :math:`L = \sum_i p_i \, \mathrm{len}(\mathtt{code}_i)` is the least
        of all binary prefix codes for ``p``. A single symbol gets ``'0'``.

    Raises
    ------
    TypeError
        If ``p`` is not real numeric data.
    ValueError
        If ``p`` is not one-dimensional or not a distribution (see
        :func:`entropy`).

    See Also
    --------
    average_code_length, kraft_sum, entropy

    Notes
    -----
    Algorithm (Huffman, 1952): put every symbol in a min-heap; repeatedly
    take the two least probable nodes out, and put back a new node whose
    probability is their sum and whose children they are; when one node is
    left, the codeword of a symbol is the path from that root to its leaf.
    :math:`K - 1` merges of a heap of size at most :math:`K` take
    :math:`O(K \log K)` time.

    Ties are broken deterministically. The heap is keyed by
    ``(probability, creation number)``: symbols are numbered
    :math:`0, \dots, K-1` in the order of ``p`` and each merged node gets the
    next number, so among equal probabilities an earlier symbol is taken
    before a later one, and any symbol before any merged node. Of the two
    nodes taken out together, the first (the one with the smaller key) gets
    bit ``'0'`` and the second ``'1'``. Taking older nodes first among ties
    also gives, among all optimal codes, one with the shortest longest
    codeword and the least variance of the length (Schwartz, 1964).
    Probabilities are added in float64, so that holds when the ties are
    exact, as when every probability is a multiple of a power of 1/2; a tie
    of the ideal numbers that rounding has broken (1/17 + 2/17 against 3/17)
    is decided by the rounded values, reproducibly, and the code is optimal
    for the probabilities as given.

    Symbols of probability 0 cost nothing on average, so they are merged
    first and get the longest codewords; giving them a codeword anyway means
    that every symbol of an alphabet (say every letter, however rare in a
    text) can be encoded.

    Optimality and bounds, when at least two symbols have positive
    probability: :math:`H(p) \le L < H(p) + 1` in bits, with :math:`L = H(p)` exactly when every :math:`p_i` is a power
    of 1/2 (a dyadic distribution), and the codeword lengths satisfy Kraft's
    inequality with equality, :math:`\sum_i 2^{-\ell_i} = 1` (the code tree
    is full). A single symbol, or a distribution such as ``(1, 0)`` with
    one certain outcome, carries no information (:math:`H = 0`), but a
    codeword must have at least one bit to be written down, so :math:`L = 1
    = H + 1` there.

    References
    ----------
    Huffman, D. A. (1952). A method for the construction of
    minimum-redundancy codes. *Proceedings of the IRE*, 40(9), 1098-1101.

    Schwartz, E. S. (1964). An optimum encoding with minimum longest code and
    total number of digits. *Information and Control*, 7(1), 37-44.

    Cover, T. M. and Thomas, J. A. (2006). *Elements of Information Theory*
    (2nd ed.), chapter 5. Wiley.

    Examples
    --------
    >>> from softmax_lib.information import average_code_length, entropy, huffman_code
    >>> p = [0.5, 0.25, 0.25]
    >>> code = huffman_code(p)
    >>> code
    ['0', '10', '11']
    >>> [len(word) for word in code]
    [1, 2, 2]
    >>> print(average_code_length(p, code), entropy(p, base=2))   # dyadic: L = H
    1.5 1.5
    >>> huffman_code([0.4, 0.3, 0.2, 0.1])
    ['0', '10', '111', '110']
    >>> huffman_code([1.0])
    ['0']
    """
    probs = _one_distribution(p).astype(np.float64).tolist()
    k = len(probs)
    if k == 1:
        return ["0"]
    # children[n] = (first, second) for the merged node numbered n >= k.
    children = {}
    heap = [(prob, i) for i, prob in enumerate(probs)]
    heapq.heapify(heap)
    for node in range(k, 2 * k - 1):
        prob_a, first = heapq.heappop(heap)
        prob_b, second = heapq.heappop(heap)
        children[node] = (first, second)
        heapq.heappush(heap, (prob_a + prob_b, node))
    code = [""] * k
    stack = [(2 * k - 2, "")]  # the root is the last node created
    while stack:  # iterative, so very unbalanced trees do not hit the recursion limit
        node, prefix = stack.pop()
        if node < k:
            code[node] = prefix
        else:
            first, second = children[node]
            stack.append((first, prefix + "0"))
            stack.append((second, prefix + "1"))
    return code


def average_code_length(p, code):
    r"""Average codeword length :math:`L = \sum_i p_i \, \mathrm{len}(\mathtt{code}_i)`.

    Parameters
    ----------
    p : array_like
        One distribution (1-D), as for :func:`huffman_code`.
    code : sequence of str
        One codeword (a string of ``'0'`` and ``'1'``) per entry of ``p``,
        in the same order.

    Returns
    -------
    numpy scalar
        The expected number of bits per symbol, in the dtype of ``p``
        (float64 for non-floating ``p``).

    Raises
    ------
    TypeError
        If ``p`` is not real numeric data, or ``code`` is not a sequence of
        strings.
    ValueError
        If ``p`` is not a 1-D distribution, a codeword contains a character
        other than ``'0'`` and ``'1'``, or ``code`` and ``p`` differ in length.

    See Also
    --------
    huffman_code, kraft_sum

    Notes
    -----
    The code is not checked for being prefix-free. For a prefix code,
    :math:`L \ge H(p)` in bits (Cover and Thomas, 2006, chapter 5).

    Examples
    --------
    >>> from softmax_lib.information import average_code_length
    >>> print(average_code_length([0.5, 0.25, 0.25], ["0", "10", "11"]))
    1.5
    >>> print(average_code_length([0.5, 0.25, 0.25], ["00", "01", "10"]))
    2.0
    """
    arr = _one_distribution(p)
    lengths = _codeword_lengths(code)
    if len(lengths) != arr.shape[0]:
        raise ValueError(
            f"code must have one codeword per entry of p: p has {arr.shape[0]} entries, "
            f"code has {len(lengths)}"
        )
    cdtype = compute_dtype(arr.dtype)
    total = np.sum(arr.astype(cdtype) * np.asarray(lengths, dtype=cdtype))
    return _result(total, 1.0, arr.dtype)


def kraft_sum(code):
    r"""Kraft sum :math:`\sum_i 2^{-\ell_i}` of the codeword lengths :math:`\ell_i` of ``code``.

    Parameters
    ----------
    code : sequence of str
        Codewords, each a string of ``'0'`` and ``'1'``.

    Returns
    -------
    float
        The sum, computed exactly (then rounded once) with :func:`math.fsum`.

    Raises
    ------
    TypeError
        If ``code`` is not a sequence of strings.
    ValueError
        If a codeword contains a character other than ``'0'`` and ``'1'``.

    See Also
    --------
    huffman_code, average_code_length

    Notes
    -----
    Kraft's inequality: the codewords of every binary prefix code satisfy
    :math:`\sum_i 2^{-\ell_i} \le 1`, and any lengths that satisfy it are
    the lengths of some prefix code. A sum of exactly 1 means the code tree
    is full: no codeword could be shortened without breaking the prefix
    property. (A sum :math:`\le 1` does not by itself prove that a given
    code is prefix-free.)

    References
    ----------
    Cover, T. M. and Thomas, J. A. (2006). *Elements of Information Theory*
    (2nd ed.), section 5.2. Wiley.

    Examples
    --------
    >>> from softmax_lib.information import kraft_sum
    >>> kraft_sum(["0", "10", "11"])
    1.0
    >>> kraft_sum(["0", "10", "110"])      # the codeword '111' is unused
    0.875
    """
    return math.fsum(math.ldexp(1.0, -length) for length in _codeword_lengths(code))
