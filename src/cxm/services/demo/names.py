"""Name and place vocabularies for demo people: Polish and English first names, surnames
(Polish ones in their male and female forms) and Polish cities weighted by size."""

from __future__ import annotations

from typing import Final

PL_MALE: Final = (
    "Adam", "Adrian", "Andrzej", "Antoni", "Artur", "Bartosz", "Damian", "Dariusz", "Dawid",
    "Filip", "Grzegorz", "Hubert", "Igor", "Jakub", "Jan", "Janusz", "Jerzy", "Kacper",
    "Kamil", "Karol", "Krzysztof", "Łukasz", "Maciej", "Marcin", "Marek", "Mariusz",
    "Mateusz", "Michał", "Mikołaj", "Patryk", "Paweł", "Piotr", "Przemysław", "Radosław",
    "Rafał", "Robert", "Sebastian", "Stanisław", "Szymon", "Tadeusz", "Tomasz", "Wiktor",
    "Wojciech", "Zbigniew", "Zenon",
)  # fmt: skip
PL_FEMALE: Final = (
    "Agata", "Agnieszka", "Aleksandra", "Alicja", "Anna", "Barbara", "Beata", "Dorota",
    "Edyta", "Elżbieta", "Ewa", "Gabriela", "Grażyna", "Halina", "Hanna", "Helena", "Irena",
    "Iwona", "Joanna", "Jolanta", "Julia", "Justyna", "Karolina", "Katarzyna", "Krystyna",
    "Lena", "Magdalena", "Małgorzata", "Maria", "Marta", "Monika", "Natalia", "Oliwia",
    "Paulina", "Renata", "Sylwia", "Teresa", "Urszula", "Weronika", "Wiktoria", "Zofia",
    "Zuzanna",
)  # fmt: skip
#: Surnames that change with gender: male stem endings -ski/-cki/-dzki → -ska/-cka/-dzka.
PL_GENDERED_SURNAMES: Final = (
    "Kowalski", "Wiśniewski", "Wójcicki", "Kamiński", "Lewandowski", "Zieliński",
    "Szymański", "Woźniak-Kowalski", "Dąbrowski", "Kozłowski", "Jankowski", "Mazurkiewicz-Nowicki",
    "Wojciechowski", "Kwiatkowski", "Krawczyński", "Piotrowski", "Grabowski", "Pawłowski",
    "Michalski", "Nowicki", "Adamczewski", "Dudziński", "Zalewski", "Wieczorkowski",
    "Jabłoński", "Majewski", "Olszewski", "Stępniewski", "Jaworski", "Malinowski",
    "Górski", "Rutkowski", "Sikorski", "Baranowski", "Ostrowski", "Szewczyński",
    "Tomaszewski", "Pietrzycki", "Wróblewski", "Zawadzki", "Chmielewski", "Borkowski",
    "Czarnecki", "Sawicki", "Sokołowski", "Kalinowski", "Wysocki", "Kaczmarski",
)  # fmt: skip
#: Surnames that are the same for everyone.
PL_PLAIN_SURNAMES: Final = (
    "Nowak", "Wójcik", "Kowalczyk", "Kaczmarek", "Mazur", "Krawczyk", "Wieczorek", "Król",
    "Wróbel", "Dudek", "Adamczyk", "Pawlak", "Walczak", "Sikora", "Baran", "Michalak",
    "Szewczyk", "Pietrzak", "Marciniak", "Jakubowicz", "Zając", "Duda", "Bąk", "Lis",
    "Kubiak", "Kołodziej", "Wilk", "Błaszczyk", "Mróz", "Kaczor", "Sobczak", "Kurek",
)  # fmt: skip
EN_FIRST: Final = (
    "James", "Oliver", "George", "Harry", "Jack", "Thomas", "William", "Daniel", "Samuel",
    "Michael", "David", "Liam", "Noah", "Ethan", "Olivia", "Emma", "Amelia", "Sophie",
    "Charlotte", "Emily", "Grace", "Hannah", "Jessica", "Lucy", "Chloe", "Megan", "Sarah",
    "Laura", "Rachel", "Anna", "Maria", "Lukas", "Sven", "Mykola", "Olena", "Andriy",
)  # fmt: skip
EN_SURNAMES: Final = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
    "Hall", "Wood", "Jackson", "Clarke", "Murphy", "O'Brien", "Kelly", "Schmidt",
    "Müller", "Bauer", "Kovalenko", "Shevchenko", "Bondarenko", "Garcia", "Rossi", "Novak",
)  # fmt: skip
#: Polish cities and their relative weight (roughly their population).
CITIES: Final = {
    "Warszawa": 18.0, "Kraków": 8.0, "Wrocław": 6.5, "Łódź": 6.5, "Poznań": 5.5,
    "Gdańsk": 4.8, "Szczecin": 4.0, "Bydgoszcz": 3.4, "Lublin": 3.4, "Białystok": 3.0,
    "Katowice": 2.9, "Gdynia": 2.4, "Częstochowa": 2.1, "Radom": 2.0, "Rzeszów": 2.0,
    "Toruń": 2.0, "Sosnowiec": 1.9, "Kielce": 1.9, "Gliwice": 1.7, "Olsztyn": 1.7,
    "Zabrze": 1.6, "Bielsko-Biała": 1.6, "Bytom": 1.5, "Zielona Góra": 1.4, "Rybnik": 1.3,
    "Opole": 1.2, "Elbląg": 1.1, "Płock": 1.1, "Gorzów Wielkopolski": 1.1, "Wałbrzych": 1.0,
    "Tarnów": 1.0, "Koszalin": 0.9, "Kalisz": 0.9, "Legnica": 0.9, "Nowy Sącz": 0.8,
    "Zakopane": 0.3, "Sopot": 0.4, "Pruszków": 0.6, "Piaseczno": 0.5, "Wieliczka": 0.4,
}  # fmt: skip
EMAIL_DOMAINS: Final = {
    "gmail.com": 0.34, "wp.pl": 0.18, "onet.pl": 0.14, "o2.pl": 0.1, "interia.pl": 0.1,
    "op.pl": 0.06, "outlook.com": 0.05, "icloud.com": 0.03,
}  # fmt: skip
COMPANY_DOMAIN: Final = "telkopolska.example"

_FOLD = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻü'", "acelnoszzACELNOSZZu-")


def ascii_fold(text: str) -> str:
    """Polish letters to plain ASCII, for e-mail addresses."""
    return text.translate(_FOLD)


def female_form(surname: str) -> str:
    """The female form of a gendered Polish surname (each part of a double-barrelled one)."""
    parts = []
    for part in surname.split("-"):
        parts.append(part[:-1] + "a" if part.endswith("ki") else part)
    return "-".join(parts)
