import random
import re

from search.analysis import (
    _CJK,
    _jieba,
    analyze,
    analyze_query,
    char_terms,
    doc_number_terms,
    grams,
    normalize,
    query_grams,
    query_words,
    stop_words,
)


def test_two_character_word_is_a_term_inside_a_longer_phrase():
    assert "党费" in analyze("全体党员应当按时交纳党费")
    assert "党费" in grams("全体党员应当按时交纳党费")


def test_project_dictionary_keeps_party_terms_whole():
    assert "三会一课" in query_words("落实三会一课制度")
    assert "两学一做" in query_words("深入开展两学一做学习教育")
    assert "民主生活会" in query_words("召开专题民主生活会")


def test_traditional_characters_become_simplified():
    assert normalize("黨費") == "党费"
    assert analyze("按時交納黨費") == analyze("按时交纳党费")


def test_full_width_digits_and_letters_become_half_width():
    assert normalize("２０１６年ＡＢＣ") == "2016年abc"
    assert "2016" in analyze("２０１６年")


def test_doc_number_in_any_bracket_style_gives_the_same_term():
    terms = analyze("依据国发〔2016〕31号文件")
    for variant in (
        "国发[2016]31号",
        "国发（2016）31号",
        "国发〔２０１６〕３１号",
        "国发(2016)第31号",
    ):
        wanted = [t for t in analyze_query(variant) if "_" in t]
        assert wanted == ["国发_2016_31"], variant
        assert wanted[0] in terms


def test_stop_words_are_not_terms():
    assert "的" not in analyze("党的建设")


def test_bigrams_ignore_punctuation_and_spaces():
    assert (
        grams("党费，按时")
        == grams("党费 按时")
        == grams("党费按时")
        == ["党费", "费按", "按时", "时"]
    )


def test_query_grams_end_with_a_prefix_for_a_lone_last_character():
    assert query_grams("31条") == ["31", "条*"]
    assert query_grams("第31条") == ["第", "31"]
    assert query_grams("交纳党费") == ["交纳", "纳党", "党费"]


def test_char_terms_are_what_every_bigram_prefix_of_a_text_can_match():
    stream = " ".join(grams("2016年修订，法（1）第31条 ab 国家"))
    assert sorted(char_terms(stream).split()) == sorted(
        [
            "2016年",
            "1第",
            "31条",
            "ab国",
            "年",
            "修",
            "订",
            "法",
            "第",
            "条",
            "国",
            "家",
        ]
    )
    # Each character of the text once, whatever the punctuation between them.
    assert char_terms(" ".join(grams("法，法。法律"))) == "律 法"
    assert char_terms("") == ""


def test_empty_and_symbol_only_text_give_no_terms():
    assert analyze("") == []
    assert analyze("，。！？") == []
    assert grams("——") == []


# grams() and analyze() build every document's index terms at import, so they run a
# run (or a comprehension) at a time; these are the character-at-a-time definitions
# they must agree with. An index's stored terms were made by one or the other, so
# they must never differ: a contentless FTS5 table deletes exactly the terms handed.
_ONE_GRAM_RE = re.compile(
    rf"(?=([{_CJK}][{_CJK}]))[{_CJK}]|([{_CJK}]|[0-9a-z]+|[^\W_{_CJK}]+)"
)


def reference_grams(text: str) -> list[str]:
    source = re.sub(r"[\W_]+", " ", normalize(text))
    source = re.sub(rf" (?=[{_CJK}])|(?<=[{_CJK}]) ", "", source)
    return [pair or unit for pair, unit in _ONE_GRAM_RE.findall(source)]


def reference_words(text: str) -> list[str]:
    out = []
    for token in _jieba().cut_for_search(normalize(text), False):
        if token.isalnum():
            out += [token] if token not in stop_words() else []
        elif len(token) > 1:
            out += [p for p in re.findall(r"[^\W_]+", token) if p not in stop_words()]
    return out


def random_texts(count: int) -> list[str]:
    rng = random.Random(7)
    alphabet = (
        "按时交纳党费的规定国家2016年0１２abcÉé_-.,，。、（）〔〕 \n\t—‐ｶﾀカタ𠀀中ABC号第"
        "\ufaff\ufa6e"  # unassigned code points inside the Chinese ranges
    )
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        for _ in range(count)
    ]


def test_grams_and_words_agree_with_their_character_at_a_time_definitions():
    texts = [
        *random_texts(2000),
        "依据国发〔2016〕31号文件，全体党员应当按时交纳党费。Ａ-1 b_2 ab,cd 党。",
        "",
        "，",
        "法",
        "\ufaff",
        "ab\ufaff",
        "按\ufaff时",
    ]
    for text in texts:
        assert grams(text) == reference_grams(text), text
        words = analyze(text)
        assert words[: len(words) - len(doc_number_terms(normalize(text)))] == (
            reference_words(text)
        ), text
