"""The FollowTheMoney reader (OpenSanctions exports): entities, persons and links into the canonical
ownership frames, schemas judged by the `followthemoney` model (`reader`)."""
