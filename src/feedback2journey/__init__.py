"""feedback2journey: customer feedback in, annotated journey map out."""
__version__ = "0.1.0"
