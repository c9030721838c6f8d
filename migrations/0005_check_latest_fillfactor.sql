-- check_latest is rewritten in place with every batch: each row, a check's newest result, is updated as often as the
-- check runs. With full pages every update writes its new version to another page and a new entry to the primary key,
-- and the table and its index grow with dead versions until vacuum comes by (a thousand checks every second: tens of
-- megabytes a minute). Pages kept half empty let PostgreSQL write each new version beside the old one (a heap-only
-- update, no index entry) and reclaim the old one as soon as the page is next touched, so the table stays the size of
-- its rows; an update then costs about a third of the CPU. It applies to pages written from now on.
ALTER TABLE check_latest SET (fillfactor = 50);
