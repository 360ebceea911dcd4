from search.analysis import (
    analyze,
    analyze_query,
    char_terms,
    grams,
    normalize,
    query_grams,
    query_words,
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
