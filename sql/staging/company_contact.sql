-- The address and phone pass of stg_companies: the registered address keyed to site, building and
-- room, and the phone in E.164, both parsed with the registering authority's region as a hint (phone_also: a
-- second number written in the same field).
--
-- reads: company_base, norm_address, room_blocks, norm_phone

create or replace temp table company_contact as
select
    c.company_id,
    addr.adcode as reg_adcode,
    addr.site_key as reg_site_key,
    coalesce(rb.building_key, addr.building_key) as reg_building_key,
    coalesce(rb.room_key, addr.room_key) as reg_room_key,
    addr.normalized as reg_address_norm,
    addr.poi as reg_place,
    addr.notes as reg_address_notes,
    ph.e164 as phone,
    ph.type as phone_type,
    ph.is_virtual as phone_is_virtual,
    ph.also as phone_also
from company_base as c
left join norm_address as addr
    on addr.input = c.reg_address and addr.hint is not distinct from substr(c.uscc_region, 1, 6)
left join room_blocks as rb on rb.written_room_key = addr.room_key
left join norm_phone as ph
    on ph.input = c.phone and ph.hint is not distinct from substr(c.uscc_region, 1, 4);
