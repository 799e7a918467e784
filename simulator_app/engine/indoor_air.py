"""Indoor air: zone CO₂ and humidity, and the enthalpy of outside, return and mixed air.

CO₂: people exhale it (ASHRAE: ~0.0105 cfm each at office activity), outdoor air dilutes it.
Each AHU's return air is one well-mixed volume (its zones' air), stepped exactly over an
interval: V dC/dt = G + Q_oa (C_out - C), with Q_oa the outdoor air the AHU brings in (or
infiltration when it is off). A zone reads its supply air (mixed air: outdoor share × C_out +
recirculated share × C_return) plus its own people's generation over its airflow, so the
flow-weighted mean of the zones equals the return at steady state. The return CO₂ is the
only state (State.indoor), carried so that a window split anywhere is bit-identical.

Humidity: moisture balances at steady state per AHU (people's latent heat, ~200 Btu/h each,
is the only indoor source). Unconstrained the return air settles at
W_out + L / (0.68 Q oa); a cooling coil that condenses caps the supply at saturation just
above the coil's leaving temperature, so W_return = min(that, W_coil + L / (0.68 Q)). The
coil's latent load is 0.68 × Q × (W_mixed - W_supply): what the chilled-water plant carries.

Units: W in grains of water per lb of dry air, enthalpy in Btu/lb of dry air.
"""

from dataclasses import dataclass

import numpy as np

CO2_CFM_PER_PERSON = 0.0105
OUTDOOR_CO2_PPM = 420.0
PERSON_LATENT_BTUH = 200.0
LATENT = 0.68  # Btu/h per cfm per grain/lb
CEILING_FT = 9.0  # air volume per ft² of floor (the return plenum breathes with the room)
INFILTRATION_CFM_PER_FT2 = 0.05  # envelope leakage with the fans off (~0.3 air changes/h)
MIXING_CFM_PER_FT2 = 0.15  # open-plan exchange that keeps a zone near its neighbours


def humidity_ratio(temp_f):
    """Grains of water per lb of dry air for saturated air at temp_f (a dew point)."""
    c = (temp_f - 32.0) / 1.8
    pv = 0.61094 * np.exp(17.625 * c / (c + 243.04))
    return 7000.0 * 0.622 * pv / (101.325 - pv)


def relative_humidity(temp_f, grains):
    """%RH of air at temp_f holding `grains` (sea-level pressure)."""
    w = grains / 7000.0
    pv = 101.325 * w / (0.622 + w)
    c = (temp_f - 32.0) / 1.8
    return np.clip(100.0 * pv / (0.61094 * np.exp(17.625 * c / (c + 243.04))), 1.0, 100.0)


def enthalpy(temp_f, grains):
    """Btu/lb of dry air."""
    return 0.24 * temp_f + grains / 7000.0 * (1061.0 + 0.444 * temp_f)


@dataclass
class IndoorAir:
    zone_co2: np.ndarray  # [T, Z] ppm
    zone_rh: np.ndarray  # [T, Z] %RH
    return_grains: np.ndarray  # [T, A]
    mixed_grains: np.ndarray  # [T, A]
    latent: np.ndarray  # [T, A] Btu/h the cooling coils condense
    end_co2: np.ndarray  # [A] return-air CO₂ at the end of the window (state)


def outdoor_cfm(flow, oa, area):
    """Outdoor air an AHU's zones get: what its damper brings in, at least infiltration."""
    return np.maximum(flow * oa, INFILTRATION_CFM_PER_FT2 * area)


def return_grains(out_grains, latent_btuh, flow, q_oa, coil_grains):
    """Steady-state return-air moisture of AHUs (see the module doc)."""
    free = out_grains + latent_btuh / (LATENT * q_oa)
    return np.minimum(free, coil_grains + latent_btuh / (LATENT * np.maximum(flow, 1.0)))


def indoor_air(spec, layout, step_s, out_dew, people, on, flow_z, flow_a, oa, zone_temp,
               coil_grains, co2_start):
    """people [T, Z] (occupants), flows in cfm, oa [T, A] outdoor-air share of the supply,
    coil_grains [T, A] the cooling coil's leaving moisture (inf when it does not condense),
    co2_start [A] (NaN: settle at the first step)."""
    Z = len(layout.zones)
    starts = np.array(layout.zone_ahu_starts)
    zone_ahu = np.array([z.ahu for z in layout.zones])
    area_z = spec.site.area_ft2 / Z
    per_ahu = np.diff(np.append(starts, Z))
    area_a = area_z * per_ahu
    w_out = humidity_ratio(out_dew)[:, None]

    # Moisture (steady state per AHU; with the fans off a zone breathes through its envelope).
    latent_z = PERSON_LATENT_BTUH * people
    latent_a = np.add.reduceat(latent_z, starts, axis=1)
    q_oa = np.where(on, outdoor_cfm(flow_a, oa, area_a), INFILTRATION_CFM_PER_FT2 * area_a)
    w_ret = np.where(on, return_grains(w_out, latent_a, flow_a, q_oa, coil_grains),
                     w_out + latent_a / (LATENT * q_oa))
    w_mix = np.where(on, oa * w_out + (1.0 - oa) * w_ret, w_ret)
    w_sup = np.where(on, w_ret - latent_a / (LATENT * np.maximum(flow_a, 1.0)), w_ret)
    latent = np.where(on, LATENT * flow_a * np.maximum(w_mix - w_sup, 0.0), 0.0)
    on_z = on[:, zone_ahu]
    q_z = np.maximum(flow_z, MIXING_CFM_PER_FT2 * area_z)
    w_zone = np.where(on_z, w_sup[:, zone_ahu], w_ret[:, zone_ahu]) + np.where(
        on_z, latent_z / (LATENT * q_z), 0.0)
    zone_rh = relative_humidity(zone_temp, w_zone)

    # CO₂: the return air of each AHU, stepped exactly; zones on top of their supply air.
    gen_z = CO2_CFM_PER_PERSON * 1e6 * people  # ppm·cfm
    gen_a = np.add.reduceat(gen_z, starts, axis=1)
    volume = CEILING_FT * area_a
    keep = np.exp(-q_oa * (step_s / 60.0) / volume)  # share of the old air left after a step
    target = OUTDOOR_CO2_PPM + gen_a / q_oa
    push = (1.0 - keep) * target
    c = np.where(np.isnan(co2_start), target[0], co2_start) if len(target) else co2_start
    ret = np.empty_like(target)
    for k in range(len(target)):  # the one recurrence: two ufuncs per step over [A]
        ret[k] = c
        c = keep[k] * c + push[k]
    supply = np.where(on, oa * OUTDOOR_CO2_PPM + (1.0 - oa) * ret, ret)
    zone_co2 = supply[:, zone_ahu] + gen_z / q_z
    return IndoorAir(zone_co2, zone_rh, w_ret, w_mix, latent, c)
