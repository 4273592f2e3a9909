"""Generates realistic product CSV files shaped like the real catalog export.

Columns `name,sku,description`; CRLF record ends; descriptions of one to a
few sentences (up to ~200 characters), some spanning lines or holding commas
and therefore quoted; about 7% of rows repeat an earlier SKU, a third of those
in another letter case. 500,000 rows come to about 85 MB.
"""

import csv
import random
from pathlib import Path

_WORDS = (
    "able about account across act action activity add address admit adult affect after again against agency "
    "agent agree air all allow almost alone along already also although always american among amount analysis "
    "and animal another answer any anyone anything appear apply approach area argue arm around arrive art "
    "article artist ask assume attack attention attorney audience author authority available avoid away baby "
    "back bad bag ball bank bar base beat beautiful because become bed before begin behavior behind believe "
    "benefit best better between beyond big bill billion bit black blood blue board body book born both box "
    "boy break bring brother budget build building business buy call camera campaign cancer candidate capital "
    "car card care career carry case catch cause cell center central century certain chair challenge chance "
    "change character charge check child choice choose church citizen city civil claim class clear close coach "
    "cold collection college color come commercial common community company compare computer concern condition "
    "conference congress consider consumer contain continue control cost could country couple course court "
    "cover create crime cultural culture cup current customer cut dark data daughter day dead deal death debate "
    "decade decide decision deep defense degree democrat describe design despite detail determine develop "
    "difference different difficult dinner direction director discover discuss discussion disease doctor dog "
    "door down draw dream drive drop drug during each early east easy eat economic economy edge education effect "
    "effort eight either election else employee end energy enjoy enough enter entire environment especially "
    "establish even evening event ever every everybody evidence exactly example executive exist expect "
    "experience expert explain eye face fact factor fail fall family far fast father fear federal feel feeling "
    "field fight figure fill film final finally financial find fine finger finish fire firm first fish five "
    "floor fly focus follow food foot force foreign forget form former forward four free friend front full fund "
    "future game garden gas general generation girl give glass goal good government great green ground group "
    "grow growth guess gun guy hair half hand hang happen happy hard have head health hear heart heat heavy help "
    "here herself high himself history hold home hope hospital hot hotel hour house however huge human hundred "
    "husband idea identify image imagine impact important improve include including increase indeed indicate "
    "individual industry information inside instead institution interest interesting international interview "
    "investment involve issue item itself job join just keep key kid kill kind kitchen know knowledge land "
    "language large last late later laugh law lawyer lay lead leader learn least leave left leg legal less let "
    "letter level lie life light like likely line list listen little live local long look lose loss lot love low "
    "machine magazine main maintain major majority make manage management manager many market marriage material "
    "matter maybe mean measure media medical meet meeting member memory mention message method middle might "
    "military million mind minute miss mission model modern moment money month more morning most mother mouth "
    "move movement movie much music must myself name nation national natural nature near nearly necessary need "
    "network never news newspaper next nice night none north note nothing notice number occur off offer office "
    "officer official often oil old once only onto open operation opportunity option order organization other "
    "others outside over own owner page pain painting paper parent part participant particular partner party "
    "pass past patient pattern pay peace people perform performance perhaps period person personal phone "
    "physical pick picture piece place plan plant play player point police policy political politics poor "
    "popular population position positive possible power practice prepare present president pressure pretty "
    "prevent price private probably problem process produce product production professional professor program "
    "project property protect prove provide public pull purpose push quality question quickly quite race radio "
    "raise range rate rather reach read ready real reality realize really reason receive recent recently "
    "recognize record red reduce reflect region relate relationship religious remain remember remove report "
    "represent require research resource respond response rest result return reveal rich right rise risk road "
    "rock role room rule run safe same save scene school science scientist score sea season seat second "
    "section security see seek seem sell send senior sense series serious serve service set seven several shake "
    "share shoulder show side sign significant similar simple simply since sing single sister sit site situation "
    "six size skill skin small smile social society soldier some somebody someone something sometimes son song "
    "soon sort sound source south southern space speak special specific speech spend sport spring staff stage "
    "stand standard star start state statement station stay step still stock stop store story strategy street "
    "strong structure student study stuff style subject success successful such suddenly suffer suggest summer "
    "support sure surface system table take talk task tax teach teacher team technology television tell ten "
    "tend term test than thank that their them themselves then theory there these they thing think third those "
    "though thought thousand threat three through throughout throw thus time today together tonight too top "
    "total tough toward town trade traditional training travel treat treatment tree trial trip trouble true "
    "truth try turn type under understand unit until upon usually value various very victim view violence visit "
    "voice vote wait walk wall want watch water weapon wear week weight well west western what whatever when "
    "where whether which while white whole whom whose wide wife will win wind window wish with within without "
    "woman wonder word work worker world worry would write writer wrong yard yeah year yes yet young yourself"
).split()
_FIRST = (
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan Joseph "
    "Jessica Thomas Sarah Charles Karen Christopher Nancy Daniel Lisa Matthew Betty Anthony Margaret Mark Sandra "
    "Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian "
    "Dorothy George Melissa Timothy Deborah Theresa Roger Tiffany Roy Bryce"
).split()
_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
    "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera "
    "Campbell Mitchell Carter Roberts Huerta Buckley Golden Burch"
).split()
_SUFFIXES = ["", "", "", "", "", "", "", "", " Jr.", " MD", " DDS", " PhD"]


def _sentence(rng: random.Random) -> str:
    words = rng.choices(_WORDS, k=rng.randint(3, 9))
    return " ".join(words).capitalize() + "."


def _description(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.choices((1, 2, 3), weights=(45, 35, 20))[0]):
        paragraphs.append(" ".join(_sentence(rng) for _ in range(rng.randint(1, 3))))
    text = "\n".join(paragraphs)
    if rng.random() < 0.08:
        text = text.replace(" ", ", ", 1)
    return text[:200]


def _new_sku(rng: random.Random, taken: set[str]) -> str:
    while True:
        sku = "-".join(rng.choices(_WORDS, k=rng.randint(2, 4)))
        if sku not in taken:
            taken.add(sku)
            return sku


def write_sample(path: Path, rows: int, seed: int = 42, duplicate_share: float = 0.07) -> Path:
    """Write `rows` product rows to `path` and return it."""
    rng = random.Random(seed)
    taken: set[str] = set()
    issued: list[str] = []
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["name", "sku", "description"])
        for _ in range(rows):
            if issued and rng.random() < duplicate_share:
                sku = rng.choice(issued)
                if rng.random() < 0.33:
                    sku = sku.upper() if rng.random() < 0.5 else sku.title()
            else:
                sku = _new_sku(rng, taken)
                issued.append(sku)
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}{rng.choice(_SUFFIXES)}"
            writer.writerow([name, sku, _description(rng)])
    return path
