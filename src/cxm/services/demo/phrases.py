# ruff: noqa: E501  (a table of phrases reads best one phrase group per line)
"""Comment phrases of the demo, written for this project: per topic, language and sentiment
a handful of reasons; plus openings, intensifiers and closings to vary them.

``{i}`` in a reason is replaced by an intensifier (or nothing). Reasons are disjoint across
sentiments, so a comment's sentiment can be read back from its reason."""

from __future__ import annotations

from typing import Final

Phrases = dict[str, dict[str, tuple[str, ...]]]

OPENINGS: Final[Phrases] = {
    "pl": {
        "neg": ("", "", "Niestety", "Szczerze mówiąc", "Jestem rozczarowany.", "Po raz kolejny",
                "Masakra.", "No cóż...", "Jestem klientem od lat i", "Muszę to napisać:"),
        "neu": ("", "", "Generalnie", "Hmm,", "W sumie", "Ogólnie rzecz biorąc"),
        "pos": ("", "", "Brawo!", "Muszę pochwalić:", "Jestem pozytywnie zaskoczona.",
                "Szczerze?", "Dzień dobry,"),
    },
    "en": {
        "neg": ("", "", "Unfortunately", "Honestly,", "Not happy.", "Once again",
                "Terrible.", "I've been a customer for years and"),
        "neu": ("", "", "Overall", "Well,", "All in all,", "To be fair,"),
        "pos": ("", "", "Well done!", "I must say", "Pleasantly surprised.", "Hi,"),
    },
}  # fmt: skip

INTENSIFIERS: Final[Phrases] = {
    "pl": {"neg": ("bardzo", "naprawdę", "strasznie", "totalnie", "okropnie"),
           "neu": ("dość", "trochę", "raczej"),
           "pos": ("bardzo", "naprawdę", "mega", "super", "wyjątkowo")},
    "en": {"neg": ("very", "really", "extremely", "totally", "incredibly"),
           "neu": ("quite", "a bit", "rather"),
           "pos": ("very", "really", "super", "exceptionally", "truly")},
}  # fmt: skip

CLOSINGS: Final[Phrases] = {
    "pl": {
        "neg": ("", "", "", "Rozważam zmianę operatora.", "Proszę to wreszcie poprawić!",
                "Szkoda słów.", "Nie polecam.", "Czekam na kontakt.", ":("),
        "neu": ("", "", "", "Może być.", "Da się przeżyć.", "Zobaczymy."),
        "pos": ("", "", "", "Polecam!", "Dziękuję :)", "Tak trzymać.", "Pozdrawiam!",
                "Oby tak dalej."),
    },
    "en": {
        "neg": ("", "", "", "Thinking about switching.", "Please fix this!",
                "Not recommended.", "Waiting for someone to call me back."),
        "neu": ("", "", "", "It's fine, I guess.", "We'll see."),
        "pos": ("", "", "", "Recommended!", "Thank you :)", "Keep it up.", "Cheers!"),
    },
}  # fmt: skip

REASONS: Final[dict[str, Phrases]] = {
    "offer": {
        "pl": {"neg": ("oferta jest {i} myląca, gwiazdki i przypisy wszędzie",
                       "reklama obiecuje co innego niż jest w umowie",
                       "ciągle dostaję te same ulotki, {i} nachalne"),
               "neu": ("oferta jak u innych, nic specjalnego",
                       "trudno porównać pakiety na stronie"),
               "pos": ("oferta {i} czytelna i uczciwie opisana",
                       "fajna promocja, wszystko jasno napisane",
                       "reklama w końcu bez drobnego druczku")},
        "en": {"neg": ("the offer is {i} misleading, asterisks everywhere",
                       "the ad promises something the contract doesn't"),
               "neu": ("the offer is like everyone else's", "hard to compare the packages"),
               "pos": ("the offer is {i} clear and honest", "nice promo, clearly explained")},
    },
    "sale": {
        "pl": {"neg": ("sprzedawca wcisnął mi droższy pakiet, niż chciałem",
                       "podpisanie umowy trwało {i} długo",
                       "nikt nie wspomniał o dodatkowych opłatach"),
               "neu": ("umowę podpisałem, ale kolejka w salonie była spora",
                       "zamówienie poszło, choć formularz jest długi"),
               "pos": ("pan w salonie {i} cierpliwie wszystko wytłumaczył",
                       "zamówienie online zajęło dosłownie chwilkę",
                       "doradca dobrał pakiet idealnie pod nas")},
        "en": {"neg": ("the salesperson pushed a pricier plan on me",
                       "signing the contract took {i} long"),
               "neu": ("signed the contract but the queue was long",
                       "the order went through, the form is long though"),
               "pos": ("the advisor explained everything {i} patiently",
                       "ordering online took literally a minute")},
    },
    "delivery": {
        "pl": {"neg": ("kurier nie przyjechał w umówionym oknie", "paczka przyszła uszkodzona",
                       "czekałem cały dzień na kuriera, {i} słabo"),
               "neu": ("paczka dotarła dzień później, ale kompletna",),
               "pos": ("kurier był punktualny i {i} miły", "przesyłka już następnego dnia",
                       "paczuszka dotarła szybko i bez problemów")},
        "en": {"neg": ("the courier never showed up in the time slot", "the parcel arrived damaged"),
               "neu": ("the parcel came a day late but complete",),
               "pos": ("the courier was on time and {i} friendly", "delivered the very next day")},
    },
    "installation": {
        "pl": {"neg": ("technik spóźnił się dwie godziny", "instalator zostawił bałagan po kablach",
                       "montaż przełożony już trzeci raz"),
               "neu": ("instalacja trwała dłużej niż zapowiadano",),
               "pos": ("technik {i} fachowo wszystko podłączył",
                       "pan instalator posprzątał po sobie i wszystko pokazał",
                       "montaż szybki i czysty")},
        "en": {"neg": ("the technician was two hours late", "the installation got rescheduled again"),
               "neu": ("the installation took longer than announced",),
               "pos": ("the technician set everything up {i} professionally",
                       "quick and tidy installation")},
    },
    "activation": {
        "pl": {"neg": ("aktywacja nie zadziałała i nikt nie wiedział czemu",
                       "czekałem trzy dni na uruchomienie usługi"),
               "neu": ("aktywacja się udała, ale instrukcja mało jasna",),
               "pos": ("usługa działała od razu po aktywacji", "miły telefon powitalny, {i} pomocny")},
        "en": {"neg": ("the activation failed and nobody knew why",
                       "waited three days for the service to start"),
               "neu": ("activation worked, the instructions were unclear though",),
               "pos": ("the service worked right after activation", "{i} helpful welcome call")},
    },
    "invoice": {
        "pl": {"neg": ("faktura {i} nieczytelna, nie wiem za co płacę",
                       "przelew zaksięgowany dopiero po tygodniu"),
               "neu": ("faktura ok, tylko przychodzi w ostatniej chwili",
                       "płatność przeszła, ale potwierdzenie dopiero po dniu"),
               "pos": ("fakturka zawsze na czas i przejrzysta", "płatność w aplikacji {i} wygodna",
                       "rachunek jasny, bez niespodzianek")},
        "en": {"neg": ("the invoice is {i} hard to read", "my payment took a week to show up"),
               "neu": ("the invoice is ok but arrives at the last minute",),
               "pos": ("the invoice is always on time and clear", "paying in the app is {i} easy")},
    },
    "billing_error": {
        "pl": {"neg": ("dostałem fakturę na złą kwotę", "naliczono mi opłatę za usługę, której nie zamówiłam",
                       "faktura policzona podwójnie, {i} skandal",
                       "błąd w fakturze już drugi miesiąc z rzędu",
                       "korekta faktury trwa wieki, a odsetki lecą"),
               "neu": ("błąd na fakturze poprawiony, ale musiałem sam go znaleźć",),
               "pos": ("błędną fakturę szybko skorygowano, dziękuję",)},
        "en": {"neg": ("I got an invoice with the wrong amount", "charged for a service I never ordered",
                       "billed twice, {i} outrageous", "another wrong invoice this month"),
               "neu": ("the invoice error got fixed, but I had to spot it myself",),
               "pos": ("the wrong invoice was corrected quickly, thanks",)},
    },
    "app": {
        "pl": {"neg": ("aplikacja się wiesza przy logowaniu", "apka {i} wolna, nic się nie ładuje",
                       "nie da się zapłacić w aplikacji"),
               "neu": ("aplikacja działa, ale menu jest zagmatwane",),
               "pos": ("aplikacja {i} intuicyjna", "w apce wszystko załatwiam w minutę",
                       "aplikacyjka działa bez zarzutu")},
        "en": {"neg": ("the app freezes when I log in", "the app is {i} slow, nothing loads"),
               "neu": ("the app works but the menu is confusing",),
               "pos": ("the app is {i} intuitive", "I sort everything out in the app in a minute")},
    },
    "app_release": {
        "pl": {"neg": ("po aktualizacji aplikacja ciągle się wylogowuje",
                       "nowa wersja apki to {i} krok wstecz", "od ostatniej aktualizacji nie widzę faktur w aplikacji",
                       "po update aplikacja crashuje co chwilę"),
               "neu": ("nowa wersja aplikacji wygląda inaczej, muszę się przyzwyczaić",),
               "pos": ("nowa wersja aplikacji mi się podoba",)},
        "en": {"neg": ("since the update the app keeps logging me out", "the new app version is {i} worse",
                       "after the update the app crashes all the time"),
               "neu": ("the new app looks different, getting used to it",),
               "pos": ("I like the new app version",)},
    },
    "portal": {
        "pl": {"neg": ("konto online wylogowuje mnie co chwilę", "nie mogę zmienić danych na stronie"),
               "neu": ("panel klienta przeciętny, da się znaleźć co trzeba",),
               "pos": ("w panelu klienta wszystko {i} łatwo znaleźć", "zmiana danych online zajęła chwilę")},
        "en": {"neg": ("the online account logs me out constantly", "can't change my details online"),
               "neu": ("the customer portal is average",),
               "pos": ("everything is {i} easy to find in the portal",)},
    },
    "hotline": {
        "pl": {"neg": ("czekałem na infolinii 40 minut", "konsultant przełączał mnie trzy razy",
                       "nikt nie potrafił mi pomóc, {i} frustrujące"),
               "neu": ("sprawa załatwiona, ale czekanie na połączenie za długie",),
               "pos": ("konsultantka {i} kompetentna, sprawa załatwiona od ręki",
                       "pani Basia na infolinii wszystko wyjaśniła", "szybko się dodzwoniłem")},
        "en": {"neg": ("waited 40 minutes on the hotline", "I was transferred three times"),
               "neu": ("sorted out, but the wait was too long",),
               "pos": ("the agent was {i} competent, solved it at once", "got through quickly")},
    },
    "chat": {
        "pl": {"neg": ("czat z botem to strata czasu", "konsultant na czacie odpisywał co 10 minut"),
               "neu": ("na czacie pomogli, ale trochę to trwało",),
               "pos": ("czat {i} sprawny, konkretna odpowiedź", "konsultant na czacie był pomocny")},
        "en": {"neg": ("the chat bot is a waste of time", "the chat agent replied every 10 minutes"),
               "neu": ("the chat helped, it took a while though",),
               "pos": ("the chat was {i} efficient", "helpful chat agent")},
    },
    "store": {
        "pl": {"neg": ("w salonie tylko jedna osoba obsługuje", "pani w salonie była {i} niemiła"),
               "neu": ("w salonie pomogli, choć trzeba było poczekać",),
               "pos": ("obsługa w salonie {i} sympatyczna", "w salonie załatwiłam wszystko w 10 minut")},
        "en": {"neg": ("only one person serving in the store", "the store staff were {i} rude"),
               "neu": ("they helped in the store, after a wait",),
               "pos": ("{i} friendly store staff", "done in the store in ten minutes")},
    },
    "repair": {
        "pl": {"neg": ("awaria trwała trzy dni bez żadnej informacji", "internet dalej się rozłącza mimo naprawy",
                       "serwisant przyszedł bez części"),
               "neu": ("awarię usunięto, ale dopiero po dwóch dniach",),
               "pos": ("awarię usunięto {i} szybko", "serwisant znalazł problem w kilka minut")},
        "en": {"neg": ("the outage lasted three days without any update", "the connection still drops after the repair"),
               "neu": ("fixed, but only after two days",),
               "pos": ("the fault was fixed {i} quickly", "the engineer found the problem in minutes")},
    },
    "complaint": {
        "pl": {"neg": ("reklamacja rozpatrywana ponad miesiąc", "reklamację odrzucono bez uzasadnienia",
                       "piszę trzecią reklamację w tej samej sprawie"),
               "neu": ("reklamacja uznana częściowo",),
               "pos": ("reklamację uznano {i} sprawnie", "szybka i uczciwa decyzja w sprawie reklamacji")},
        "en": {"neg": ("the complaint took over a month", "my complaint was rejected without a reason"),
               "neu": ("my complaint was partly accepted",),
               "pos": ("the complaint was handled {i} efficiently",)},
    },
    "retention": {
        "pl": {"neg": ("dopiero przy rezygnacji zaproponowali normalną cenę", "wypowiedzenie umowy to droga przez mękę"),
               "neu": ("oferta utrzymaniowa taka sobie, zastanowię się",),
               "pos": ("dostałem {i} dobrą ofertę na przedłużenie", "przedłużenie umowy bez problemu")},
        "en": {"neg": ("only when I cancelled did they offer a fair price", "cancelling is a nightmare"),
               "neu": ("the retention offer is so-so",),
               "pos": ("got a {i} good renewal offer", "renewal went smoothly")},
    },
    "generic": {
        "pl": {"neg": ("porażka", "dramat", "{i} słaba obsługa"),
               "neu": ("jest ok", "bez rewelacji", "średnio"),
               "pos": ("wszystko super", "{i} dobra obsługa", "jestem zadowolony")},
        "en": {"neg": ("awful", "{i} poor service"), "neu": ("it's ok", "nothing special"),
               "pos": ("all good", "{i} good service")},
    },
    "rel_reliability": {
        "pl": {"neg": ("internet {i} często się rozłącza", "zasięg w domu fatalny", "co tydzień jakaś awaria sieci"),
               "neu": ("sieć działa, czasem są przerwy",),
               "pos": ("internet działa {i} stabilnie, zero przerw", "zasięg wszędzie, nawet w górach")},
        "en": {"neg": ("the connection drops {i} often", "terrible coverage at home"),
               "neu": ("the network works, with the odd outage",),
               "pos": ("the connection is {i} stable", "coverage everywhere")},
    },
    "rel_price": {
        "pl": {"neg": ("ceny {i} wysokie jak na to, co dostaję", "znowu podwyżka abonamentu"),
               "neu": ("ceny jak u konkurencji",),
               "pos": ("{i} dobra cena za taki pakiet",)},
        "en": {"neg": ("prices are {i} high for what I get", "yet another price rise"),
               "neu": ("prices like the competition",), "pos": ("{i} good value for money",)},
    },
    "rel_staff": {
        "pl": {"neg": ("pracownicy {i} niekompetentni",), "neu": ("obsługa bywa różna",),
               "pos": ("ludzie w firmie {i} pomocni",)},
        "en": {"neg": ("the staff are {i} incompetent",), "neu": ("service varies",),
               "pos": ("the people are {i} helpful",)},
    },
    "rel_app": {
        "pl": {"neg": ("aplikacja {i} toporna",), "neu": ("aplikacja przeciętna",),
               "pos": ("aplikacja {i} wygodna na co dzień",)},
        "en": {"neg": ("the app is {i} clunky",), "neu": ("the app is average",),
               "pos": ("the app is {i} handy",)},
    },
    "rel_billing": {
        "pl": {"neg": ("rachunki {i} niezrozumiałe",), "neu": ("rachunki w porządku",),
               "pos": ("rachunki {i} przejrzyste",)},
        "en": {"neg": ("the bills are {i} confusing",), "neu": ("bills are fine",),
               "pos": ("the bills are {i} clear",)},
    },
}  # fmt: skip

#: Which comment topic each touch-point talks about.
TOUCHPOINT_TOPIC: Final = {
    "ad_campaign": "offer", "website_offer": "offer", "store_sale": "sale",
    "online_order": "sale", "telesales": "sale", "contract_renewal": "retention",
    "courier_delivery": "delivery", "installation_visit": "installation",
    "technician_visit": "installation", "service_activation": "activation",
    "welcome_call": "activation", "invoice": "invoice", "payment": "invoice",
    "mobile_app_use": "app", "online_account": "portal", "hotline": "hotline",
    "chat_support": "chat", "store_service": "store", "fault_repair": "repair",
    "complaint": "complaint", "retention_offer": "retention", "cancellation": "retention",
}  # fmt: skip
