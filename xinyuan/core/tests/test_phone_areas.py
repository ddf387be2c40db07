from django.core.exceptions import ValidationError
from django.test import SimpleTestCase

from xinyuan.core.phone_areas import CallerArea, area_name_for_code, caller_area, validate_area_code


class PhoneAreaTests(SimpleTestCase):
    def test_a_caller_is_placed_by_landline_area_code_and_by_mobile_prefix(self):
        cases = [
            # number, centre's area code, expected
            ("010 6234 5678", "010", CallerArea("北京市", True)),  # Beijing landline
            ("+86 10 6234 5678", "022", CallerArea("北京市", False)),
            ("13920000000", "022", CallerArea("天津市", True)),  # Tianjin mobile
            ("13920000000", "010", CallerArea("天津市", False)),
            ("022-2345-6789", "022", CallerArea("天津市", True)),  # Tianjin landline
            ("１３８００１３８０００", "010", CallerArea("北京市", True)),  # full-width digits
            ("008613800138000", "010", CallerArea("北京市", True)),
            ("13510000000", "0755", CallerArea("广东省深圳市", True)),
            ("13920000000", "", CallerArea("天津市", None)),  # the centre's area not set
        ]
        for number, code, expected in cases:
            with self.subTest(number=number, code=code):
                self.assertEqual(caller_area(number, code), expected)

    def test_a_number_of_elsewhere_is_named_by_its_region_and_never_local(self):
        self.assertEqual(caller_area("+1 415 555 2671", "010"), CallerArea("US", False))
        self.assertEqual(caller_area("+852 2123 4567", "010"), CallerArea("HK", False))

    def test_a_number_nobody_can_place_is_unknown(self):
        for number in ("", "abc", "999", "12345", "0398765432", "19900000000"):
            with self.subTest(number=number):
                self.assertEqual(caller_area(number, "010"), CallerArea("", None))

    def test_a_centres_area_code_is_checked_against_the_geocoder(self):
        self.assertEqual(area_name_for_code("010"), "北京市")
        self.assertEqual(area_name_for_code("0755"), "广东省深圳市")
        for bad in ("000", "10", "0123", "北京", "01O"):
            with self.subTest(code=bad):
                self.assertEqual(area_name_for_code(bad), "")
                with self.assertRaises(ValidationError):
                    validate_area_code(bad)
        validate_area_code("")  # not set is allowed
        validate_area_code("022")
