"""Where the bench's figures come from: each source as cited, and where in it each figure was read.

The SNNS v4.2 tree was read as fetched from github.com/ycollet/SNNS, the PDP handbook's software as fetched
from github.com/dagfinndybvig/renewedPDP. Riedmiller & Braun (1993) and Bakker, Phillips & Wiles (1994)
could not be had: their entries say "not had" and their figures show as unverified (docs/literature.md).
"""

SNNS_README = "SNNS v4.2 examples/encoder.README (hints 'not to be cited as optimal')"
RIEDMILLER_BRAUN = "Riedmiller & Braun (1993), the RPROP paper, ICNN'93 pp. 586-591, as quoted"
SNNS_HINTS = "SNNS v4.2 examples/encoder.README, 'Hints' table; examples/encoder.cfg (init range 1.0 -1.0)"
SNNS_RPROP_CODE = "kernel/sources/learn_f.c, LEARN_rprop (parameter 2 = 0: RPROP_MAXEPS 2.0), RPROP_MINEPS 1e-6"
SNNS_QUICKPROP_CODE = "kernel/sources/learn_f.c, MODI_quickprop; learn_f.ph, SIGMOID_PRIME_OFFSET 0.1"
RIEDMILLER_BRAUN_LOCATOR = "not had: no text of the paper found to read"
PDP_LOCATOR = (
    "PDP bp: bp/424.NET (ecrit 0.04), bp/424.STR (lrate .5, lgrain pattern), src/BP.C (momentum = 0.9; "
    "train: tss < ecrit), src/WEIGHTS.C (wrange = 1)"
)
SUPERTIGHT_SOURCE = (
    "Bakker, Phillips & Wiles (1994), Neural Network World 4(5), as quoted: Lister found backprop feasible for "
    "N-2-N only up to N = 19, though Kruglyak proved weights exist for every N"
)
SUPERTIGHT_LOCATOR = "not had: no text of the paper found to read; Lister's and Kruglyak's results as it quotes them"
BALDI_HORNIK = (
    "Baldi & Hornik (1989), Neural networks and principal component analysis: learning from examples without "
    "local minima, Neural Networks 2(1), 53-58: a linear autoencoder's only minimum is the PCA projection"
)
BALDI_HORNIK_LOCATOR = "the theorem as stated in the paper's abstract; no epoch figure: the paper gives none"
