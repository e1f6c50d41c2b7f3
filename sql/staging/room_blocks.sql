-- A room written without its building's block letter or number, resolved to the one block that has it. In a
-- complex of towers A/B/C on one door number, applicants write `C座1226室`, `C-1226室`, `C栋1226` or just `1226室`,
-- and the registry keeps what they typed, so one room gets two keys (`…|702|C|…|1226` and `…|702||…|1226`) and a
-- farm's members split between them. A room number like 1226 (floor 12, room 26) repeats in every tower, so the
-- unlettered key is one room only when exactly one block at that site (same adcode, road and door number, or
-- the same place name; same unit and floor) has that room anywhere in the extracts: a tower's lettering does not
-- change with time, so any season's sighting counts. When two or more blocks have it, the unlettered room stays as
-- written (ambiguous: never guessed). A numbered block (`1号楼1226` / `1幢1226`) is a block like a lettered one.
-- The two keys must be written at least once with the same place name before the block or room (信安时代广场C-1226室 /
-- 信安时代广场1226室), or each at least once with none (702号C-1226室 / 702号1226室): one door number can hold
-- several named buildings, and a room written under one name (锦绣写字楼917室) is not shown to be the numbered
-- block's room written under none (8幢917室). An address that names a block in words the key does not hold
-- (`中座603室`, `东楼1226室`, `二期`) is no unlettered room: it stays as written (a real company address,
-- 广安门外大街168号中座603室, would otherwise have joined the A座603室 of its neighbour). A floor with no room
-- number (`12层`) is left alone: a floor of one tower says less than its room.
-- One row per unlettered room key that resolves: the key as written, the block's room key and building key.
-- stg_accounts and company_contact read these in place of the written keys; the address as written stays in
-- stg_companies.reg_address (published beside the resolved reg_room_key), and this table in the working DB.
--
-- reads: norm_address

create or replace table room_blocks as
-- A room key is site|block|unit|floor|room (matchers/address.py): a lettered room's key less its block is the key
-- its unlettered writing has, so the step groups the distinct lettered keys on that and joins the keys seen.
with keys as (
    select distinct room_key from norm_address where room_key is not null
),
lettered as (
    select room_key, regexp_replace(room_key, '\|[^|]+(\|[^|]*\|[^|]*\|[^|]+)$', '|\1') as written_room_key
    from keys
    where regexp_matches(room_key, '\|[^|]+\|[^|]*\|[^|]*\|[^|]+$')
),
candidates as (
    select l.written_room_key, any_value(l.room_key) as room_key
    from lettered as l
    semi join keys as k on k.room_key = l.written_room_key
    group by l.written_room_key
    having count(*) = 1
),
-- every writing of the two keys, read only for the few candidates
writings as (
    select c.written_room_key, false as in_block, a.poi, a.normalized
    from candidates as c join norm_address as a on a.room_key = c.written_room_key
    union all
    select c.written_room_key, true, a.poi, a.normalized
    from candidates as c join norm_address as a on a.room_key = c.room_key
),
agreed as (
    select written_room_key
    from writings
    group by written_room_key
    having len(list_intersect(list_distinct(list(coalesce(poi, '')) filter (where in_block)),
                              list_distinct(list(coalesce(poi, '')) filter (where not in_block)))) > 0
        and not bool_or(not in_block and names_block_in_words(normalized))
)
select written_room_key, room_key, regexp_replace(room_key, '(\|[^|]*){3}$', '') as building_key
from candidates
semi join agreed using (written_room_key);
