"""The API of file imports: POST imports/."""
