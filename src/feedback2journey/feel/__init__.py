"""Feel: sentiment, emotions and effort per segment (a trained head over the embeddings, VADER and rules), and
their roll-up per item."""
from feedback2journey.feel.emotions import EMOTIONS
from feedback2journey.feel.sentiment import SentimentScorer, roll_up_items

__all__ = ["EMOTIONS", "SentimentScorer", "roll_up_items"]
