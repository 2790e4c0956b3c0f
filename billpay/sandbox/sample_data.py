"""Word lists for the demo-data generator (names, places, expense categories, tax rates)."""

from decimal import Decimal

FIRST = (
    "Northwind",
    "Bluebell",
    "Harbour",
    "Greenleaf",
    "Summit",
    "Riverside",
    "Oakridge",
    "Copper",
    "Silverline",
    "Brightwater",
    "Redwood",
    "Kestrel",
    "Meridian",
    "Ironbridge",
    "Lantern",
    "Maple",
    "Pioneer",
    "Quayside",
    "Saffron",
    "Thistle",
    "Union",
    "Vantage",
    "Willow",
    "Zenith",
    "Atlas",
    "Beacon",
    "Cobalt",
    "Delta",
    "Evergreen",
    "Foxglove",
    "Granite",
    "Heron",
)
SECOND = (
    "Office Supplies",
    "Logistics",
    "Energy",
    "Cleaning Services",
    "Print & Design",
    "IT Services",
    "Catering",
    "Packaging",
    "Telecom",
    "Facilities",
    "Legal",
    "Consulting",
    "Freight",
    "Software",
    "Hardware",
    "Marketing",
    "Security",
    "Recruitment",
    "Insurance",
    "Waste Management",
)
SUFFIXES = ("Ltd", "Limited", "LLP", "& Co", "Group", "Inc", "GmbH", "BV")
STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Road",
    "Market Street",
    "Queen Street",
    "Victoria Road",
    "Park Avenue",
    "Broadway",
    "King Street",
    "Bridge Street",
    "Harbour Way",
)
CITIES = (
    ("London", "Greater London", "United Kingdom", "EC1A 1BB"),
    ("Manchester", "Greater Manchester", "United Kingdom", "M1 1AE"),
    ("Bristol", "Bristol", "United Kingdom", "BS1 4DJ"),
    ("Leeds", "West Yorkshire", "United Kingdom", "LS1 4AP"),
    ("Edinburgh", "Scotland", "United Kingdom", "EH1 1YZ"),
    ("New York", "NY", "United States", "10001"),
    ("Austin", "TX", "United States", "73301"),
    ("Dublin", "Leinster", "Ireland", "D02 X285"),
    ("Berlin", "Berlin", "Germany", "10115"),
    ("Amsterdam", "North Holland", "Netherlands", "1012 JS"),
    ("Paris", "Ile-de-France", "France", "75001"),
)
# (expense account name, typical line descriptions)
CATEGORIES = (
    ("Rent", ("Office rent", "Storage unit rent", "Desk space")),
    ("Utilities", ("Electricity", "Gas", "Water", "Broadband")),
    ("Office Supplies", ("Printer paper", "Toner cartridges", "Stationery", "Coffee supplies")),
    ("Software Subscriptions", ("Accounting software", "CRM licence", "Design tools seats")),
    ("Travel", ("Train tickets", "Hotel", "Flights", "Taxi")),
    ("Professional Fees", ("Legal advice", "Audit fee", "Tax consultancy")),
    ("Marketing", ("Online ads", "Print flyers", "Trade show stand")),
    ("Insurance", ("Public liability insurance", "Equipment insurance")),
    ("Repairs and Maintenance", ("Boiler service", "Van repair", "Window cleaning")),
    ("Cost of Goods Sold", ("Raw materials", "Packaging materials", "Wholesale stock")),
    ("Freight and Delivery", ("Courier", "Pallet delivery", "Import duty handling")),
)
# (name, code, rate %) per base currency
TAX_RATES = {
    "GBP": (
        ("20% (VAT on Expenses)", "INPUT2", Decimal("20")),
        ("5% (VAT on Expenses)", "RRINPUT", Decimal("5")),
        ("Zero Rated Expenses", "ZERORATEDINPUT", Decimal("0")),
        ("No VAT", "NONE", Decimal("0")),
    ),
    "USD": (
        ("NY State Sales Tax", "NY", Decimal("8.875")),
        ("TX Sales Tax", "TX", Decimal("8.25")),
        ("Tax Exempt", "EXEMPT", Decimal("0")),
    ),
}
# Payment terms in days, per supplier: most on 30 days, some short (couriers, temps), some long.
TERMS = (7, 14, 14, 30, 30, 30, 30, 45, 60)
# Company suffixes that fit the supplier's currency (a euro supplier is a GmbH, not an LLP).
SUFFIXES_BY_CURRENCY = {
    "GBP": ("Ltd", "Limited", "LLP", "& Co"),
    "USD": ("Inc", "LLC", "Co", "Group"),
    "EUR": ("GmbH", "BV", "SARL", "Group"),
}
CITIES_BY_CURRENCY = {
    "GBP": ("United Kingdom",),
    "USD": ("United States",),
    "EUR": ("Ireland", "Germany", "Netherlands", "France"),
}
