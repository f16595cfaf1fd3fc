"""Fleet: lines, SIMs, tariff plans, options, barrable services and consumption."""
