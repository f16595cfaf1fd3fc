-- Run once by the official postgres image on an empty volume: Rasa's tracker store gets a
-- database of its own next to the backend's (`bma`), owned by the same role.
CREATE DATABASE rasa OWNER bma;
