// Search suggestions as you type (progressive enhancement; the search form works without it).
