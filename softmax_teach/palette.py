"""The kit's colours, one palette for the notebooks' plots and the dashboard.

Okabe & Ito's colour-blind-safe palette (https://jfly.uni-koeln.de/color/), with the roles every
figure uses. Figures never rely on colour alone (an arg-max is also labelled, a true class also
named), so the roles only make a figure quicker to read.
"""

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

#: An ordinary class, bar or line.
CLASS_COLOR = OKABE_ITO["blue"]
#: What the eye should go to: the arg-max, the chosen action, the method being taught.
HIGHLIGHT_COLOR = OKABE_ITO["vermillion"]
#: A second series beside the first (a running sum, a baseline method).
SECOND_COLOR = OKABE_ITO["green"]
#: A third series (a running max, a cumulative mass).
THIRD_COLOR = OKABE_ITO["orange"]
#: Something cut, masked or out of play.
MUTED_COLOR = "#8C8C8C"
#: A background for cells that mean "nothing here" (masked attention, exp's zero region).
BACKGROUND_GREY = "#E8E8E8"
#: Distinct colours for categories (classes of a decision map, methods of a study), in order.
SEQUENCE = (CLASS_COLOR, HIGHLIGHT_COLOR, SECOND_COLOR, THIRD_COLOR, OKABE_ITO["purple"], OKABE_ITO["sky"])
