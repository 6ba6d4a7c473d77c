namespace Mien.Reports.Tests;

/// <summary>
/// Small synthetic face pictures (64×64 JPEG, drawn from ellipses by a script with jpeg-js, no real person)
/// standing in for the key-moment crops a pipeline produces.
/// </summary>
internal static class SyntheticPictures
{
    public static byte[] Smile { get; } = Convert.FromBase64String(SmileBase64);

    public static byte[] EyesClosed { get; } = Convert.FromBase64String(BlinkBase64);

    public static byte[] Surprise { get; } = Convert.FromBase64String(SurpriseBase64);

    private const string SmileBase64 =
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+JS5ESU" +
        "M8SDc9PjsBCgsLDg0OHBAQHDsoIig7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7O//AABEIAEAAQAMB" +
        "EQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCC" +
        "NCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqi" +
        "o6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQ" +
        "oLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdI" +
        "SUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+" +
        "Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/APQt1WQRXd5b2NrJdXUqxQxDLO3b/PpQ3YErnmevePdQ1JjFp7SWNsMjKt+8fnglh93oOB78" +
        "msJTb2N4wS3OWkkeWRpJHZ3clmZjksT1JNQaBHI8UiyRuyOhDKynBUjoQaAOp0Hx7qGmsItQaS+tjgZZv3ic8kMfvdTwfbkVcZtbmcoJ7Hplpe" +
        "W99ax3VrKssMoyrr3/AM+lbp3MGrEu6gBm6mI8q8Z+IW1nUjbwSN9jtiVUBgVkYEgvx+Q68c8ZNc85XZ0QjZGDbWs95MIbaJpXPZR07ZPoPes2" +
        "7GiVzpLXwNM2DdXar83KxKWyPqcYP4Gs3U7GigF14GmXJtbtW+bhZVK4H1Gcn8BQqncHA5u5tZ7OYw3MTROOzDr2yPUe9aJ3M2rG94M8Qto2pC" +
        "3nkb7HckKwLALGxIAfn8j0455wK0hKzM5xuj1XdXQc5l6/qJ0zQru8UsHSPCFQDhj8qnB46kUpOyuVFXdjxquU6j0nw3oo02wVXGZpcNKSBwcf" +
        "d47D/H1rnlK7NoxsjoEg46VBpYHg46UBY5/xJoo1KwZUGJostEQBycfd57H/AA9KuMrMzlG6PNq6DE9l0DUTqehWl4xYu8eHLADLD5WOBx1Brq" +
        "i7q5yyVnYz/Ghz4Uvf+2f/AKGtKfwjh8R554egW4160jckAPv49VBYfqK5JbHXHc9Nk03+0bcRfarq22ZkLWpIcgKSRgAk/QDJOKxim3ZGsmkr" +
        "sh8LW0FzYx6vbX+qTxTh4xHfOSAQRkgYwenUEjqOuQComkrhCSbdg8U20FtYyavc3+qQRQBIzHYuQCSTgkYwOvUkDoOuASmm07BOSTVyaPTf7O" +
        "tzF9qurnfiQNdElwCoIGCAR9CMg5okmnZhFpq6PMvEMC2+vXcaEkF9/PqwDH9TW0djKW56H4LOPCll/wBtP/Q2rrh8JyT+IvanYQ6rp8tlOzrH" +
        "LjJQgHgg9wfSqaurEp2dzIsvC1losxurWW4dyuwiRlIAJB7AdwK5q1O0bo6aVS8rM3rVipDAkEcgjtXEdhf8x5OXdmPqxzSbb3GklsHmPHyjsp" +
        "9VOKE2tgaT3KF0xYliSSeST3piMG98LWWtTC6upbhHC7AI2UAgEnuD3Jrto07xuzjq1LSsjX0ywh0rT4rKBnaOLOC5BPJJ7AetdKVlY5m7u5Nu" +
        "qhDZB5kZX1qJx5otFQlyyTGW8mOD1ry2j00ye51rQ7CXybrVGik2htptpDwfcAg/hVqnF9RxjVkrqP4oLbWtDv5fJtdUaWTaW2i2kHA9yAB+ND" +
        "pxXUJRqxV3H8UQXEmeB1qEhNj4x5cYX0r1IR5YpHmTlzSbHbqskj3UAG6gCJ1Ifeg+oFclai2+aJ1UqqStIclxx1rjsddwe4460WC41FJfe4+g" +
        "NdlGi0+aRyVaqatEl3V1nKG6gCPdTAN1ABuoAQhW6gVEqcZbopTlHZgAq9AKI04x2QOcpbsXdVkhuoAN1AH/2Q==";

    private const string BlinkBase64 =
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+JS5ESU" +
        "M8SDc9PjsBCgsLDg0OHBAQHDsoIig7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7O//AABEIAEAAQAMB" +
        "EQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCC" +
        "NCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqi" +
        "o6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQ" +
        "oLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdI" +
        "SUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+" +
        "Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/APQt1WQRXd5b2NrJdXUqxQxDLO3b/PpQ3YErnmevePdQ1JjFp7SWNsMjKt+8fnglh93oOB78" +
        "msJTb2N4wS3OWkkeWRpJHZ3clmZjksT1JNQaBHI8UiyRuyOhDKynBUjoQaAOp0Hx7qGmsItQaS+tjgZZv3ic8kMfvdTwfbkVcZtbmcoJ7Hplpe" +
        "W99ax3VrKssMoyrr3/AM+lbp3MGrEu6gBm6mI8q8Z+IW1nUjbwSN9jtiVUBgVkYEgvx+Q68c8ZNc85XZ0QjZGDbWs95MIbaJpXPZR07ZPoPes2" +
        "7GiVzpLXwNM2DdXar83KxKWyPqcYP4Gs3U7GigF14GmXJtbtW+bhZVK4H1Gcn8BQqncHA5u5tZ7OYw3MTROOzDr2yPUe9aJ3M2rG94M8Qto2pC" +
        "3nkb7HckKwLALGxIAfn8j0455wK0hKzM5xuj1XdXQc5l6/qJ0zQru8UsHSPCFQDhj8qnB46kUpOyuVFXdjxquU6j0nw3oo02wVXGZpcNKSBwcf" +
        "d47D/H1rnlK7NoxsjoEg46VBpYHg46UBY5/xJoo1KwZUGJostEQBycfd57H/AA9KuMrMzlG6PNq6DE9l0DUTqehWl4xYu8eHLADLD5WOBx1Brq" +
        "i7q5yyVnYz/Ghz4Uvf+2f/AKGtKfwjh8R554egW4160jckAPv49VBYfqK5JbHXHc9G1CCOSzRZLi+gG8HdZKxc8Hg7QTj/AOtWC3NnsSaFZQxz" +
        "yTRX+rT4XaUvg6ryc5AZRk8dvX3pSY4oNdsoZJ45pb/VoMrtCWIdl4OckKpwee/p7URYSRHp8Ecdm6x3F9ON5O69Vg44HA3AHH/16b3EtjznxD" +
        "Atvr13GhJBffz6sAx/U1vHYxlueh+CzjwpZf8AbT/0Nq64fCck/iL2p2EOq6fLZTs6xy4yUIB4IPcH0qmrqxKdncyLLwtZaLMbq1luHcrsIkZS" +
        "ACQewHcCuatTtG6OmlUvKzN63PAriZ2IvIeKkoHPFAFG4PBqkSzBvfC1lrUwurqW4RwuwCNlAIBJ7g9ya7aNO8bs46tS0rI19MsIdK0+KygZ2j" +
        "izguQTySewHrXSlZWOZu7uTbqoQ2QeZGV9aiceaLRUJcskxlvJjg9a8to9NMnee6VgIIYXXHJeYqc/QKamyLVuoJPdMxE8MKLjgpMWOfoVFFkD" +
        "t0ILiTPA61SRDY+MeXGF9K9SEeWKR5k5c0mx26rJI91ABuoAidSH3oPqBXJWotvmidVKqkrSHJccda47HXcHuOOtFguNRSX3uPoDXZRotPmkcl" +
        "WqmrRJd1dZyhuoAj3UwDdQAbqAEIVuoFRKnGW6KU5R2YAKvQCiNOMdkDnKW7F3VZIbqADdQB//2Q==";

    private const string SurpriseBase64 =
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+JS5ESU" +
        "M8SDc9PjsBCgsLDg0OHBAQHDsoIig7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7O//AABEIAEAAQAMB" +
        "EQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCC" +
        "NCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqi" +
        "o6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQ" +
        "oLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdI" +
        "SUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+" +
        "Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/APQt1WQRXd5b2NrJdXUqxQxDLO3b/PpQ3YErnmevePdQ1JjFp7SWNsMjKt+8fnglh93oOB78" +
        "msJTb2N4wS3OWkkeWRpJHZ3clmZjksT1JNQaBHI8UiyRuyOhDKynBUjoQaAOp0Hx7qGmsItQaS+tjgZZv3ic8kMfvdTwfbkVcZtbmcoJ7Hplpe" +
        "W99ax3VrKssMoyrr3/AM+lbp3MGrEu6gBm6mI8q8Z+IW1nUjbwSN9jtiVUBgVkYEgvx+Q68c8ZNc85XZ0QjZGDbWs95MIbaJpXPZR07ZPoPes2" +
        "7GiVzpLXwNM2DdXar83KxKWyPqcYP4Gs3U7GigF14GmXJtbtW+bhZVK4H1Gcn8BQqncHA5u5tZ7OYw3MTROOzDr2yPUe9aJ3M2rG94M8Qto2pC" +
        "3nkb7HckKwLALGxIAfn8j0455wK0hKzM5xuj1XdXQc5l6/qJ0zQru8UsHSPCFQDhj8qnB46kUpOyuVFXdjxquU6j0nw3oo02wVXGZpcNKSBwcf" +
        "d47D/H1rnlK7NoxsjoEg46VBpYHg46UBY5/xJoo1KwZUGJostEQBycfd57H/AA9KuMrMzlG6PNq6DE9l0DUTqehWl4xYu8eHLADLD5WOBx1Brq" +
        "i7q5yyVnYz/Ghz4Uvf+2f/AKGtKfwjh8R554egW4160jckAPv49VBYfqK5JbHXHc9SisLa9UR3UKSxrlyrRebjAJOFAJJxnAAyaxim5WRrJpRu" +
        "xNBXSL3TotV0qyECT7ky1qIn4PI4yCOnIJHbqCKKkXG2oU5KV9A15dIstOl1XVbITpBtTK2olfk8DnAA68kgdupAopxcr6hUko20FlsLayUx2s" +
        "KRRthwqxeVnIBGVIBBxjIIyKJJqVmEWnG6PLfEMC2+vXcaEkF9/PqwDH9TW0djKW56H4LOPCll/wBtP/Q2rrh8JyT+IvanYQ6rp8tlOzrHLjJQ" +
        "gHgg9wfSqaurEp2dzIsvC1losxurWW4dyuwiRlIAJB7AdwK5q1O0bo6aVS8rM37R2QhkYqw6EHBriu1sddk9zQeeSc7pXLH+VEpOW44xUdgSeS" +
        "A7onKn+dEZOOwSipbmfduzks7FmPUk5NF29xWS2MC98LWWtTC6upbhHC7AI2UAgEnuD3Jrto07xuzkq1LSsjX0ywh0rT4rKBnaOLOC5BPJJ7Ae" +
        "tdKVlY5m7u5NuqhDZB5kZX1qJx5otFQlyyTGW8mOD1ry2j00zL8aX17a6AJLKWWImZRI8WQQuD3HTnb/AC704JN6mtOzeoeC769utAMl7LLKRM" +
        "wjeXJJXA7nrzu/l2omknoFSyehqXEmeB1pJGTY+MeXGF9K9SEeWKR5k5c0mx26rJI91ABuoAidSH3oPqBXJWotvmidVKqkrSDzUljaORVdGBDK" +
        "wyCD1BFcZ13DzUijWONVRFACqowAB0AFAXBFJfe4+gNdlGi0+aRyVaqatEl3V1nKG6gCPdTAN1ABuoAQhW6gVEqcZbopTlHZgAq9AKI04x2QOc" +
        "pbsXdVkhuoAN1AH//Z";
}
