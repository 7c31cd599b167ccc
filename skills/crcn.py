"""The CRCN as published with décret n° 2019-919 (and used by Pix), with the DigComp 2.2 mapping.

Plain data: the data migration loads it, tests check it.
"""

DOMAINS = [
    ("1", "Informations et données"),
    ("2", "Communication et collaboration"),
    ("3", "Création de contenus"),
    ("4", "Protection et sécurité"),
    ("5", "Environnement numérique"),
]

# (code, name, DigComp 2.2 code, description)
COMPETENCES = [
    (
        "1.1",
        "Mener une recherche et une veille d'information",
        "1.1",
        "Mener une recherche et une veille d'information pour répondre à un besoin d'information et se tenir "
        "au courant de l'actualité d'un sujet (moteur de recherche, réseau social, abonnement à des flux ou à "
        "des lettres d'information…).",
    ),
    (
        "1.2",
        "Gérer des données",
        "1.3",
        "Stocker et organiser des données pour qu'elles soient facilement accessibles et gérables "
        "(gestionnaire de fichiers, espace de stockage en ligne, étiquettes, bases de données, système "
        "d'information…).",
    ),
    (
        "1.3",
        "Traiter des données",
        "1.3",
        "Appliquer des traitements à des données pour les analyser et les interpréter (tableur, programme, "
        "logiciel de traitement d'enquête, requête dans une base de données…).",
    ),
    (
        "2.1",
        "Interagir",
        "2.1",
        "Interagir avec des individus et de petits groupes pour échanger dans divers contextes liés à la vie "
        "privée ou à une activité professionnelle (messagerie électronique, messagerie instantanée, "
        "visioconférence…).",
    ),
    (
        "2.2",
        "Partager et publier",
        "2.2",
        "Partager et publier des informations et des contenus pour communiquer ses propres productions ou "
        "opinions, relayer celles des autres en contexte de communication publique (plateformes de partage, "
        "réseaux sociaux, blogs, forums, CMS…).",
    ),
    (
        "2.3",
        "Collaborer",
        "2.4",
        "Collaborer dans un groupe pour réaliser un projet, coproduire des ressources, des connaissances, des "
        "données, et pour apprendre (plateformes de travail collaboratif, éditeurs en ligne, suivi des "
        "modifications, gestion de versions…).",
    ),
    (
        "2.4",
        "S'insérer dans le monde numérique",
        "2.6",
        "Maîtriser les stratégies et enjeux de la présence en ligne, et choisir ses pratiques pour se "
        "positionner en tant qu'acteur social, économique et citoyen dans le monde numérique, en lien avec "
        "ses règles, limites et potentialités.",
    ),
    (
        "3.1",
        "Développer des documents textuels",
        "3.1",
        "Produire des documents à contenu majoritairement textuel pour communiquer des idées, rendre compte "
        "et valoriser ses travaux (traitement de texte, présentation, page web, carte conceptuelle…).",
    ),
    (
        "3.2",
        "Développer des documents multimédia",
        "3.1",
        "Développer des documents à contenu multimédia pour créer ses propres productions, enrichir ses "
        "créations majoritairement textuelles ou créer une œuvre transformative (capture et édition d'image, "
        "de son, de vidéo, d'animation…).",
    ),
    (
        "3.3",
        "Adapter les documents à leur finalité",
        "3.2",
        "Adapter des documents de tous types en fonction de l'usage envisagé et maîtriser l'usage des "
        "licences pour permettre, faciliter et encadrer l'utilisation dans divers contextes (impression, mise "
        "en ligne, projection, conversion de format…).",
    ),
    (
        "3.4",
        "Programmer",
        "3.4",
        "Écrire des programmes et des algorithmes pour répondre à un besoin (automatiser une tâche "
        "répétitive, résoudre un problème logique…) et pour développer un contenu riche (jeu, site web…).",
    ),
    (
        "4.1",
        "Sécuriser l'environnement numérique",
        "4.1",
        "Sécuriser les équipements, les communications et les données pour se prémunir contre les attaques, "
        "pièges, désagréments et incidents susceptibles de nuire au bon fonctionnement des matériels, "
        "logiciels et sites, et de compromettre les transactions et les données.",
    ),
    (
        "4.2",
        "Protéger les données personnelles et la vie privée",
        "4.2",
        "Maîtriser ses traces et gérer les données personnelles pour protéger sa vie privée et celle des "
        "autres, et adopter une pratique éclairée (paramètres de confidentialité, surveillance de ses "
        "traces…).",
    ),
    (
        "4.3",
        "Protéger la santé, le bien-être et l'environnement",
        "4.3",
        "Prévenir et limiter les risques générés par le numérique sur la santé, le bien-être et "
        "l'environnement, mais aussi tirer parti de ses potentialités pour favoriser le développement "
        "personnel, l'inclusion et la qualité des conditions de vie.",
    ),
    (
        "5.1",
        "Résoudre des problèmes techniques",
        "5.1",
        "Résoudre des problèmes techniques pour garantir et rétablir le bon fonctionnement d'un "
        "environnement informatique (outils de configuration et de maintenance, ressources techniques ou "
        "humaines…).",
    ),
    (
        "5.2",
        "Construire un environnement numérique",
        "5.2",
        "Installer, configurer et enrichir un environnement numérique (matériels, outils, services) pour "
        "disposer d'un cadre adapté aux activités menées, à leur contexte d'exercice ou à des valeurs.",
    ),
]
