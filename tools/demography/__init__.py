"""Derivation of the demographic package data of ``migrant_health`` from the shared data folder.

Run through ``tools/build_demography.py``. One module per step, in the order they run:

* :mod:`.sources`              the shared tables and targets, and the citations of rows used;
* :mod:`.parameters`           conventions and the tunable numbers of the assumptions;
* :mod:`.mortality`            national and rural-hukou qx by year, sex and age (A9, A10);
* :mod:`.urbanisation`         the hukou and resident urbanisation rates (A7, A11, A13);
* :mod:`.population`           the national and rural-hukou stock at end 2008 (A1-A8);
* :mod:`.conversions`          all-age rural -> urban hukou conversions (A11-A15);
* :mod:`.entrants`             rural-hukou persons turning 16 (A18-A20);
* :mod:`.projection`           the rural-hukou 16+ stock, denominator of the adult rate (A17);
* :mod:`.standard_population`  the 2010-census standard for age standardisation (A21);
* :mod:`.build`                runs every step;
* :mod:`.assumptions`, :mod:`.checks`, :mod:`.describe`  the content of ``sources.yaml``;
* :mod:`.write`                writes the CSV files and ``sources.yaml``.

:mod:`.numerics` holds the bisection shared by two of the fits.
"""
