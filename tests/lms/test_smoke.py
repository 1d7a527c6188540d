def test_home_and_register(client, outbox):
    assert client.get("/").status_code == 200
    assert client.get("/account/register").status_code == 200


def test_login(make_user, login):
    user = make_user()
    c = login(user)
    r = c.get("/account/profile")
    assert r.status_code == 200
    assert user.display_name in r.get_data(as_text=True)
