from ipnav.text.language import detect_language


def test_scripts_of_real_titles():
    assert detect_language("一种5G通讯电缆故障监控系统") == "zh"
    assert detect_language("Washing machine with a bubble generator") == "en"
    assert detect_language("本発明はシミュレーション装置に関する") == "ja"
    assert detect_language("세탁기 및 그 제어방법") == "ko"
    assert detect_language("US 5G 通讯电缆") == "zh"
    assert detect_language("12345", default="zh") == "zh"
