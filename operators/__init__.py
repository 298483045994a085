"""Operator services: the status facts and page, dead letters (collect, replay), and the
organizations an operator links. The commands and the receiver process serve them."""
