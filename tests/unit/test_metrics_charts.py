"""Chart labels on an axis: short, and still telling the bars apart."""

from campaigns.metrics.charts import short_labels


def test_labels_drop_the_words_most_of_them_share():
    labels = [
        "Embassy of Viet Nam in Cambodia – Sandbox",
        "Embassy of Viet Nam in France – Sandbox",
        "Bộ Ngoại giao – Sandbox (vi)",
        "Embassy of Viet Nam in the United States – Sandbox",
        "Embassy of Viet Nam in Japan – Sandbox",
    ]
    assert short_labels(labels, 14) == [
        "Cambodia",
        "France",
        "Bộ Ngoại giao…",
        "the United St…",
        "Japan",
    ]


def test_labels_with_nothing_in_common_or_all_alike_are_only_cut():
    assert short_labels(["12/11", "13/11"], 14) == ["12/11", "13/11"]
    assert short_labels(["Same name", "Same name"], 14) == ["Same name", "Same name"]
    assert short_labels(["A very long single channel name"], 10) == ["A very lo…"]
