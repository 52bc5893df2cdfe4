"""A staff user's own time zone ("Your time zone", linked from the console's user tools):
staff set their own, the zone name is checked, tenant users never get in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tenants.models import StaffProfile

pytestmark = pytest.mark.django_db

PAGE = reverse("admin:tenants_staffprofile_mine")


@pytest.mark.parametrize("who", ["support_client", "superuser_client"])
def test_staff_open_their_time_zone_page_from_the_user_tools(request, who):
    client = request.getfixturevalue(who)
    index = client.get(reverse("admin:index")).content.decode()
    assert f'href="{PAGE}">Your time zone</a>' in index
    html = client.get(PAGE).content.decode()
    assert "Your time zone" in html
    assert 'data-role="zone-in-effect">UTC<' in html


@pytest.mark.parametrize("who", ["tenant_admin_client", "member_client", "outsider_client"])
def test_tenant_users_are_sent_to_the_admin_sign_in(request, who):
    client = request.getfixturevalue(who)
    for method in (client.get, client.post):
        response = method(PAGE)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert StaffProfile.objects.count() == 0


def test_a_staff_user_sets_their_own_zone(support_client, support_user, superuser):
    response = support_client.post(PAGE, {"time_zone": " America/New_York "}, follow=True)
    assert "Times in the console now show in America/New_York." in response.content.decode()
    assert StaffProfile.objects.get(user=support_user).time_zone == "America/New_York"
    assert not StaffProfile.objects.filter(user=superuser).exists()
    assert 'data-role="zone-in-effect">America/New_York<' in response.content.decode()


def test_an_unknown_zone_gets_a_clear_error_and_changes_nothing(support_client, support_user):
    StaffProfile.objects.create(user=support_user, time_zone="Europe/Paris")
    response = support_client.post(PAGE, {"time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mars/Olympus is not a known time zone; use an IANA name such as Europe/Paris." in html
    assert StaffProfile.objects.get(user=support_user).time_zone == "Europe/Paris"


def test_a_blank_zone_goes_back_to_the_defaults(support_client, support_user):
    StaffProfile.objects.create(user=support_user, time_zone="Europe/Paris")
    response = support_client.post(PAGE, {"time_zone": ""}, follow=True)
    assert "No time zone set" in response.content.decode()
    assert StaffProfile.objects.get(user=support_user).time_zone == ""
