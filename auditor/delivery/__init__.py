"""Delivery and detection: does the exported activity log arrive, and does anyone analyse it?"""
