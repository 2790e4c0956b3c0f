"""The aging chart's geometry: its labels' column fits the longest label, in either language."""

from decimal import Decimal

from billpay.insights.charts import BAR_LABELS, BAR_WIDTH, CHAR_WIDTH, bar_chart


def test_short_labels_keep_the_usual_box():
    chart = bar_chart([("Not yet due", Decimal("10")), ("Over 90 days overdue", Decimal("5"))])
    assert (chart.width, chart.bar_x) == (BAR_WIDTH, BAR_LABELS)


def test_a_long_french_label_widens_the_labels_column_not_the_bars():
    label = "En retard de plus de 90 jours"
    chart = bar_chart([("Pas encore échues", Decimal("10")), (label, Decimal("5"))])
    assert chart.bar_x >= CHAR_WIDTH * len(label)
    assert chart.width - chart.bar_x == BAR_WIDTH - BAR_LABELS  # the bars keep their room
    assert Decimal(chart.bars[0].width) == BAR_WIDTH - BAR_LABELS - 4  # the largest fills it
