-- Display masks for personal data (JR/T 0171-2020 style): enough to recognise a value, not to use it.
create or replace macro mask_id(x) as
    case when x is null then null
         when length(x) <= 10 then repeat('*', length(x))
         else left(x, 6) || repeat('*', length(x) - 10) || right(x, 4) end;
create or replace macro national_phone(e164) as
    case when e164 like '+86%' then substr(e164, 4) else e164 end;
create or replace macro mask_phone(e164) as
    case when e164 is null then null
         when national_phone(e164) like '1%' and length(national_phone(e164)) = 11
            then left(national_phone(e164), 3) || '****' || right(national_phone(e164), 4)
         when national_phone(e164) similar to '0[12][0-9]+'
            then left(national_phone(e164), 3) || '****' || right(national_phone(e164), 4)
         when national_phone(e164) like '0%'
            then left(national_phone(e164), 4) || '****' || right(national_phone(e164), 4)
         else left(national_phone(e164), 3) || '****' || right(national_phone(e164), 4) end;
create or replace macro mask_account(x) as
    case when x is null then null
         when length(x) <= 8 then repeat('*', length(x))
         else left(x, 4) || '****' || right(x, 4) end;
create or replace macro mask_name(x) as
    case when x is null or length(x) = 0 then x else left(x, 1) || repeat('*', length(x) - 1) end;
-- How an attribute value may be shown to analysts: people and phones masked, addresses as keyed.
create or replace macro display_value(kind, value) as
    case kind when 'person' then mask_id(value)
              when 'phone' then mask_phone(split_part(value, '~', 1))
              else value end;
