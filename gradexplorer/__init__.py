"""gradexplorer: teach automatic differentiation with a live curve, tangent and backward graph."""

from gradexplorer.autograd import Tensor, grad, no_grad

__all__ = ["Tensor", "grad", "no_grad"]
__version__ = "0.1.0"
